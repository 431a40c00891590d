package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.plan.Action;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.retention.RetentionPlan;
import io.keepwatch.retention.RetentionPolicy;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * Carries out retention for the engine: over the whole backup root at the end of a full pass ({@link RetentionPass}
 * decides, and may hold a changed policy until it is accepted), and over the paths a batch of changes gave an old
 * version or a deleted file, unless retention is held.
 */
final class RetentionStep {
    private final Config config;
    private final BackupState state;
    private final Clock clock;
    private final BackupLayout layout;
    private final Fs fs;
    private final PolicyOutlook policy;
    private final EngineListener events;
    private final BatchRunner batches;
    /** Set while a changed retention policy waits for --accept-retention: no retention removes anything. */
    private boolean held;

    RetentionStep(Config config, BackupState state, Clock clock, BackupLayout layout, Fs fs, PolicyOutlook policy,
            EngineListener events, BatchRunner batches) {
        this.config = config;
        this.state = state;
        this.clock = clock;
        this.layout = layout;
        this.fs = fs;
        this.policy = policy;
        this.events = events;
        this.batches = batches;
    }

    /**
     * Retention over every source: applied, or held while a changed policy that would remove most old versions waits
     * for {@code accept}.
     *
     * @param scope the paths whose removals are carried out; the plan, its size limits and the check of a changed
     *     policy cover the whole root all the same
     */
    RetentionPass.Decision applyAll(boolean accept, Predicate<FileRef> scope, Tally counts) throws IOException {
        RetentionPlan plan = RetentionPass.plan(config, state, clock);
        RetentionPass.Decision d = RetentionPass.decide(plan, layout, fs, policy, accept);
        held = d.held();
        events.on(new EngineEvent.RetentionDecided(clock.instant(), d.held(), d.held() ? plan.versionsRemoved() : 0,
                d.held() ? plan.versions() : 0, plan.warnings()));
        List<Action> removals = d.removals().stream().filter(a -> scope.test(a.ref())).toList();
        if (!removals.isEmpty()) {
            batches.run(removals, counts);
        }
        if (d.acceptPolicy().isPresent()) {
            AcceptedPolicy.write(layout, fs, d.acceptPolicy().get());
        }
        return d;
    }

    /** Retention over some paths of a source (those a batch gave history), unless retention is held. */
    void applyTo(String source, Collection<String> rels, Tally counts) throws IOException {
        if (held) {
            return;
        }
        List<Action> out = new ArrayList<>();
        RetentionConfig sourcePolicy = config.retention(source);
        ZoneId zone = sourcePolicy.zoneOr(clock.getZone());
        for (String rel : rels) {
            FileRef ref = new FileRef(source, rel);
            out.addAll(RetentionPolicy.apply(ref, state.history(ref), sourcePolicy, zone, clock.instant()));
        }
        if (!out.isEmpty()) {
            batches.run(out, counts);
        }
    }
}
