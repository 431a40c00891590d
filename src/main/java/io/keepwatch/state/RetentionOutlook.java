package io.keepwatch.state;

import java.time.Instant;

/**
 * What the metadata index records of retention, asked of the retention policy (which owns every rule) when the
 * index is written: the policy in force, and for each source the earliest instant it could remove something.
 */
public interface RetentionOutlook {
    /** An outlook that knows no policy: an index written with it never lets a pass skip retention. */
    RetentionOutlook UNKNOWN = new RetentionOutlook() {
        @Override
        public String policyKey(String source) {
            return "";
        }

        @Override
        public Instant nextRemoval(String source, Iterable<PathHistory> histories, Instant now) {
            for (PathHistory h : histories) {
                if (!h.versions().isEmpty() || !h.deletions().isEmpty()) {
                    return Instant.MIN;
                }
            }
            return Instant.MAX;
        }
    };

    /** A text that changes whenever the policy of {@code source} (with the root's limits) changes. */
    String policyKey(String source);

    /**
     * The earliest instant at which the policy could remove something of a source whose paths have these histories;
     * {@link Instant#MAX}: never (nothing to remove, or nothing time alone brings).
     */
    Instant nextRemoval(String source, Iterable<PathHistory> histories, Instant now);
}
