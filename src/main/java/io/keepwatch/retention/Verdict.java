package io.keepwatch.retention;

import io.keepwatch.plan.Action;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.VersionRecord;
import java.time.Instant;

/**
 * What retention decides for one old version or deleted file: keep or remove, and why ("last 3",
 * "daily 2026-11-30", "within 7d"; "more than 10 versions").
 */
public record Verdict(FileRef ref, Item item, boolean keep, String reason) {

    /** An old version or a deleted file. */
    public sealed interface Item permits Version, Deleted {
        /** When it was archived (a version) or deleted (a deleted file). */
        Instant time();

        long size();
    }

    /** An old version; {@code newest}: the newest old version of its path, which nothing removes but an age limit. */
    public record Version(VersionRecord record, boolean newest) implements Item {
        @Override
        public Instant time() {
            return record.archivedAt();
        }

        @Override
        public long size() {
            return record.size();
        }
    }

    /** A deleted file. */
    public record Deleted(DeletionRecord record) implements Item {
        @Override
        public Instant time() {
            return record.deletedAt();
        }

        @Override
        public long size() {
            return record.size();
        }
    }

    /** The same item, now removed for {@code why}. */
    public Verdict removed(String why) {
        return new Verdict(ref, item, false, why);
    }

    /** Whether a size cap may remove it: anything kept but the newest old version of a path. */
    public boolean cappable() {
        return keep && !(item instanceof Version v && v.newest());
    }

    /** The action that removes it (for a verdict that removes). */
    public Action toAction() {
        if (item instanceof Version v) {
            return new Action.PruneVersion(ref, v.record(), reason);
        }
        return new Action.PruneDeleted(ref, ((Deleted) item).record(), reason);
    }
}
