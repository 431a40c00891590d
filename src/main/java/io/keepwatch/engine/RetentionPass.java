package io.keepwatch.engine;

import io.keepwatch.fs.Fs;
import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.plan.Action;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.retention.RetentionPlan;
import io.keepwatch.retention.RetentionPolicy;
import io.keepwatch.retention.SizeCaps;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.PathHistory;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention over the whole backup root, as a full pass and {@code keepwatch prune} run it: the plan of
 * {@link RetentionPolicy#plan} over every source (size limits and free space included), its warnings logged, and
 * its removals handed back to be executed, unless the policy changed since it was last applied and the plan would
 * remove more than half of all old versions at once: then nothing is removed until {@code --accept-retention}.
 */
public final class RetentionPass {
    private static final Logger log = LoggerFactory.getLogger(RetentionPass.class);

    private RetentionPass() {
    }

    /** What retention decides now over every source of {@code state}. */
    public static RetentionPlan plan(Config config, BackupState state, Clock clock) throws IOException {
        Map<String, Map<String, PathHistory>> histories = new LinkedHashMap<>();
        for (SourceConfig s : config.sources()) {
            histories.put(s.name(), state.histories(s.name()));
        }
        return RetentionPolicy.plan(histories, config::retention, config.rootCaps(), disk(config), clock.getZone(), clock.instant());
    }

    /** The backup disk's space, when a free-space limit asks for it. */
    static Optional<SizeCaps.Disk> disk(Config config) throws IOException {
        if (!config.rootCaps().watchesFreeSpace()) {
            return Optional.empty();
        }
        FileStore store = Files.getFileStore(config.backupRoot());
        return Optional.of(new SizeCaps.Disk(store.getUsableSpace(), store.getTotalSpace()));
    }

    /**
     * Whether a plan's removals may go ahead now, and if so, whether the policy must be recorded as applied.
     *
     * @param plan what retention decided
     * @param held the policy changed and the plan would remove most old versions: nothing is removed
     */
    public record Decision(RetentionPlan plan, boolean held, List<Action> removals, Optional<String> acceptPolicy) {
    }

    /** Whether {@code plan} waits for {@code --accept-retention}: the policy changed since it was last applied, and it
     * would remove more than half of all old versions. */
    public static boolean waits(RetentionPlan plan, BackupLayout layout, Fs fs, PolicyOutlook policy) throws IOException {
        return changed(layout, fs, policy) && plan.removesMostVersions();
    }

    private static boolean changed(BackupLayout layout, Fs fs, PolicyOutlook policy) throws IOException {
        return !AcceptedPolicy.read(layout, fs).map(policy.policyKey()::equals).orElse(false);
    }

    /**
     * Decides whether {@code plan} is applied: held (nothing removed, a WARN) when the policy differs from the one
     * last applied, the plan removes more than half of all old versions, and {@code accept} is false.
     */
    static Decision decide(RetentionPlan plan, BackupLayout layout, Fs fs, PolicyOutlook policy, boolean accept) throws IOException {
        plan.warnings().forEach(w -> log.warn("RETENTION: {}", w));
        boolean changed = changed(layout, fs, policy);
        if (changed && plan.removesMostVersions() && !accept) {
            log.warn("RETENTION held: the retention policy changed, and it would remove {} of the {} old versions at once "
                    + "(more than half). Nothing is removed until you confirm: `keepwatch prune --dry-run` lists what would go, "
                    + "`keepwatch prune --accept-retention` removes it.", plan.versionsRemoved(), plan.versions());
            return new Decision(plan, true, List.of(), Optional.empty());
        }
        return new Decision(plan, false, plan.removals(), changed ? Optional.of(policy.policyKey()) : Optional.empty());
    }
}
