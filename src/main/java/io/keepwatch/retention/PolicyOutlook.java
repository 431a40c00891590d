package io.keepwatch.retention;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.state.MetadataIndex;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.RetentionOutlook;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The retention policy of a configuration as the metadata index and the no-change fast path see it: the index
 * records, per source, the policy and the earliest instant it could remove something ({@link RetentionPolicy#nextRemoval});
 * {@link #idle} answers from that record, once per pass, whether retention has anything to do now. Every rule it
 * answers by is {@link RetentionPolicy}'s: this class only reads the record and hands it on.
 */
public final class PolicyOutlook implements RetentionOutlook {
    private final Config config;
    private final ZoneId local;

    /** @param local the zone of policies that name none (the clock's) */
    public PolicyOutlook(Config config, ZoneId local) {
        this.config = config;
        this.local = local;
    }

    @Override
    public String policyKey(String source) {
        RetentionConfig p = config.retention(source);
        return p + " in " + p.zoneOr(local) + "; " + config.rootCaps();
    }

    /** The key of every source's policy together: what a changed policy is told by (see {@code --accept-retention}). */
    public String policyKey() {
        StringBuilder b = new StringBuilder();
        for (SourceConfig s : config.sources()) {
            b.append(s.name()).append(": ").append(policyKey(s.name())).append('\n');
        }
        return b.toString();
    }

    @Override
    public Instant nextRemoval(String source, Iterable<PathHistory> histories, Instant now) {
        RetentionConfig p = config.retention(source);
        return RetentionPolicy.nextRemoval(histories, p, p.zoneOr(local), now);
    }

    /** Whether the outlook recorded for {@code source} still holds: written under today's policy, its next removal not come. */
    private boolean current(String source, MetadataIndex.SourceIndex recorded, Instant now) {
        return recorded.policyKey().equals(policyKey(source)) && now.isBefore(recorded.nextRemoval());
    }

    /**
     * Whether retention would remove nothing now from the state the index was written for: every source's index
     * was written under today's policy, none has reached its next removal, no size cap is exceeded, and the disk has
     * the free space asked for ({@code disk}: given when a free-space limit is set).
     */
    public boolean idle(MetadataIndex index, Instant now, Optional<SizeCaps.Disk> disk) {
        Map<String, SizeCaps.Held> held = new LinkedHashMap<>();
        for (SourceConfig s : config.sources()) {
            Optional<MetadataIndex.SourceIndex> recorded = index.source(s.name());
            if (recorded.isEmpty() || !current(s.name(), recorded.get(), now)) {
                return false;
            }
            held.put(s.name(), new SizeCaps.Held(recorded.get().versionBytes(), recorded.get().deletedBytes()));
        }
        return RetentionPolicy.withinCaps(held, config::retention, config.rootCaps(), disk);
    }

    /**
     * Whether the index's outlook is out of date: written under another policy, or its next removal has come. A pass
     * that then removes nothing rewrites the index, or every later pass would load state.json.
     */
    public boolean stale(MetadataIndex index, Instant now) {
        return config.sources().stream().anyMatch(s -> index.source(s.name()).map(r -> !current(s.name(), r, now)).orElse(false));
    }
}
