package io.keepwatch.state;

import java.time.Instant;

/**
 * What the metadata index records of retention, asked of the retention policy (which owns every rule) when the
 * index is written: the policy in force, and for each path the earliest instant it could remove something.
 */
public interface RetentionOutlook {
    /** An outlook that knows no policy: an index written with it never lets a pass skip retention. */
    RetentionOutlook UNKNOWN = new RetentionOutlook() {
        @Override
        public String policyKey(String source) {
            return "";
        }

        @Override
        public Instant nextRemoval(String source, PathHistory history, Instant now) {
            return Instant.MIN;
        }
    };

    /** A text that changes whenever the policy of {@code source} (with the root's limits) changes. */
    String policyKey(String source);

    /** The earliest instant at which the policy could remove something of this history; {@link Instant#MAX}: never. */
    Instant nextRemoval(String source, PathHistory history, Instant now);
}
