package io.keepwatch.restore;

import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which contents a restore writes, and under which relative path in the destination: a pure function of
 * the state and the request.
 */
public final class Selection {
    private Selection() {
    }

    /** Which moment to restore. */
    public sealed interface When {
        /** The current copy of every live file (deleted files are not restored). */
        record Latest() implements When {
        }

        /** Every file as it was at this instant, including files deleted since, without files created after. */
        record At(Instant instant) implements When {
        }

        /** One old version of one file. */
        record Version(int n) implements When {
        }
    }

    /**
     * What to restore.
     *
     * @param source one source, or all; with a source, files land at {@code DIR/<path>}, else at
     *     {@code DIR/<source>/<path>}
     * @param path a file or folder inside the source ({@code /}-separated), or empty for the whole source
     */
    public record Request(Optional<String> source, Optional<String> path, When when) {
    }

    /** One file to write: its content, and where under the destination it goes ({@code /}-separated). */
    public record Item(Timeline.Entry entry, String target) {
    }

    /** An empty folder to create, where under the destination it goes ({@code /}-separated), with its permissions. */
    public record Folder(String target, String perms) {
    }

    /**
     * The empty folders a request selects (those of the state with a span open now, or holding the instant of
     * {@code --at}), in path order; none for {@code --version}.
     */
    public static List<Folder> folders(BackupState state, Request request) {
        if (request.when() instanceof When.Version) {
            return List.of();
        }
        String prefix = request.path().map(Selection::trimSlashes).orElse("");
        List<Folder> out = new ArrayList<>();
        for (String source : request.source().map(List::of).orElseGet(() -> List.copyOf(state.sourceNames()))) {
            for (var e : new java.util.TreeMap<>(state.folders(source)).entrySet()) {
                String rel = e.getKey();
                if (!prefix.isEmpty() && !rel.equals(prefix) && !rel.startsWith(prefix + "/")) {
                    continue;
                }
                e.getValue().stream()
                        .filter(span -> request.when() instanceof When.At at ? span.holds(at.instant()) : span.open())
                        .findFirst()
                        .ifPresent(span -> out.add(new Folder(request.source().isPresent() ? rel : source + "/" + rel, span.perms())));
            }
        }
        return out;
    }

    /** The files a request selects, in path order; a {@link RestoreException} when it selects none or is malformed. */
    /**
     * The records of state.json set aside as unclean when it was read ({@link io.keepwatch.state.QuarantinedRecord})
     * that fall within {@code source} and {@code path}: what restore and verify report as refused.
     */
    public static List<io.keepwatch.state.QuarantinedRecord> quarantined(BackupState state, Optional<String> source,
            Optional<String> path) {
        return state.quarantined().stream()
                .filter(q -> source.isEmpty() || q.source().equals(source.get()))
                .filter(q -> path.isEmpty() || path.get().isEmpty() || q.path().equals(path.get())
                        || q.path().startsWith(path.get() + "/"))
                .toList();
    }

    public static List<Item> select(BackupState state, Request request) throws RestoreException {
        String prefix = request.path().map(Selection::trimSlashes).orElse("");
        if (request.path().isPresent() && prefix.isEmpty()) {
            throw new RestoreException("--path is empty; leave it out to restore the whole source");
        }
        List<String> sources;
        if (request.source().isPresent()) {
            String s = request.source().get();
            if (!state.sourceNames().contains(s)) {
                throw new RestoreException("the backup holds nothing of source '" + s + "' (it holds: "
                        + String.join(", ", state.sourceNames()) + ")");
            }
            sources = List.of(s);
        } else {
            sources = new ArrayList<>(state.sourceNames());
        }
        if (request.when() instanceof When.Version v) {
            return List.of(version(state, request, prefix, v.n()));
        }
        List<Item> out = new ArrayList<>();
        for (String source : sources) {
            for (String rel : Timeline.paths(state, source)) {
                if (!prefix.isEmpty() && !rel.equals(prefix) && !rel.startsWith(prefix + "/")) {
                    continue;
                }
                FileRef ref = new FileRef(source, rel);
                List<Timeline.Entry> entries = Timeline.of(state, ref);
                Optional<Timeline.Entry> chosen = request.when() instanceof When.At at
                        ? Timeline.at(entries, at.instant())
                        : entries.stream().filter(e -> e.kind() == Timeline.Kind.CURRENT).findFirst();
                chosen.ifPresent(e -> out.add(new Item(e, request.source().isPresent() ? rel : source + "/" + rel)));
            }
        }
        if (out.isEmpty() && folders(state, request).isEmpty()) {
            String what = (request.source().map(s -> "source '" + s + "'").orElse("the backup"))
                    + (prefix.isEmpty() ? "" : ", path '" + prefix + "',");
            String when = request.when() instanceof When.At at ? " at " + at.instant() : " now";
            throw new RestoreException("nothing to restore: " + what + " held no file" + when);
        }
        return out;
    }

    private static Item version(BackupState state, Request request, String rel, int n) throws RestoreException {
        if (request.source().isEmpty() || rel.isEmpty()) {
            throw new RestoreException("--version needs --source and --path naming one file");
        }
        FileRef ref = new FileRef(request.source().get(), rel);
        List<Timeline.Entry> versions = Timeline.of(state, ref).stream().filter(e -> e.kind() == Timeline.Kind.VERSION).toList();
        return versions.stream().filter(e -> e.version() == n).findFirst()
                .map(e -> new Item(e, rel))
                .orElseThrow(() -> new RestoreException("there is no version " + n + " of " + ref + (versions.isEmpty()
                        ? " (the backup holds no old version of it)"
                        : " (versions kept: " + versions.stream().map(Timeline.Entry::version).sorted()
                                .map(String::valueOf).collect(Collectors.joining(", ")) + ")")));
    }

    private static String trimSlashes(String p) {
        String s = p;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
