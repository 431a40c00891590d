package io.keepwatch.plan;

import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, per file, what happens: a pure function of the files as observed, the paths found absent, and
 * the state. No I/O, no clock.
 *
 * <p>Order of the actions: deletions first (so a renamed file's old path frees its content and its name),
 * then updates, backups, duplicates and refreshes, each in sorted path order, so the first of several
 * identical new files is the backup and the rest are duplicates, every time.
 */
public final class Planner {
    private Planner() {
    }

    /**
     * @param source the source's name
     * @param present files that exist now, in any order
     * @param absent paths the state may hold that are gone from the source (only those the scan covered)
     * @param state the state before this plan (read only)
     */
    public static Plan plan(String source, Collection<Observed> present, Collection<String> absent, BackupState state) {
        List<Action> deletes = new ArrayList<>();
        List<Action> updates = new ArrayList<>();
        List<Action> backups = new ArrayList<>();
        List<Action> duplicates = new ArrayList<>();
        List<Action> refreshes = new ArrayList<>();
        int unchanged = 0;

        // Paths whose current content stops being live in this plan cannot be duplicated.
        Set<FileRef> leaving = new HashSet<>();
        for (String rel : absent.stream().sorted().toList()) {
            FileRef ref = new FileRef(source, rel);
            Optional<LiveFile> live = state.live(ref);
            if (live.isPresent()) {
                deletes.add(new Action.Delete(ref, live.get(), rel));
                leaving.add(ref);
            }
        }
        List<Observed> sorted = present.stream().sorted(Comparator.comparing(Observed::rel)).toList();
        for (Observed o : sorted) {
            FileRef ref = new FileRef(source, o.rel());
            state.live(ref).filter(l -> !l.hash().equals(o.facts().hash())).ifPresent(l -> leaving.add(ref));
        }

        Map<String, FileRef> newContent = new HashMap<>();
        for (Observed o : sorted) {
            FileRef ref = new FileRef(source, o.rel());
            Optional<LiveFile> live = state.live(ref);
            if (live.isPresent()) {
                LiveFile l = live.get();
                if (!l.hash().equals(o.facts().hash())) {
                    int version = state.history(ref).lastVersion() + 1;
                    updates.add(new Action.Update(ref, l, version, o.facts(), requireStaged(o)));
                } else if (!l.facts().equals(o.facts())) {
                    refreshes.add(new Action.Refresh(ref, o.facts()));
                } else {
                    unchanged++;
                }
                continue;
            }
            String hash = o.facts().hash();
            Optional<FileRef> original = o.facts().size() == 0 ? Optional.empty()
                    : state.liveWithHash(hash, r -> !leaving.contains(r)).or(() -> Optional.ofNullable(newContent.get(hash)));
            if (original.isPresent()) {
                duplicates.add(new Action.Duplicate(ref, o.facts(), original.get(), requireStaged(o)));
            } else {
                backups.add(new Action.Backup(ref, o.facts(), requireStaged(o)));
                if (o.facts().size() > 0) {
                    newContent.putIfAbsent(hash, ref);
                }
            }
        }
        List<Action> actions = new ArrayList<>(deletes.size() + updates.size() + backups.size() + duplicates.size() + refreshes.size());
        actions.addAll(deletes);
        actions.addAll(updates);
        actions.addAll(backups);
        actions.addAll(duplicates);
        actions.addAll(refreshes);
        return new Plan(List.copyOf(actions), unchanged);
    }

    private static String requireStaged(Observed o) {
        return o.staged().orElseThrow(() -> new IllegalArgumentException(
                "no staged copy for changed or new file '" + o.rel() + "'; the engine must stage it before planning"));
    }

    /** What a plan decided: the actions in order, and how many files needed nothing. */
    public record Plan(List<Action> actions, int unchanged) {
    }
}
