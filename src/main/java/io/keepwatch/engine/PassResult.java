package io.keepwatch.engine;

import io.keepwatch.events.Counts;
import io.keepwatch.events.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a pass did.
 *
 * @param unavailable sources that were skipped because they are missing, unmounted or suddenly empty
 * @param problems one line per file or folder that could not be backed up, with the reason: the pass's FAILED
 *     lines, as many as {@code counts.failed()} (both come from the pass's {@link io.keepwatch.execute.Tally})
 * @param held per source of the pass, the deletions the deletion guard holds (sources with none are left out)
 * @param unavailableFolders folders of the pass's sources that are unavailable ({@code source/rel}: an unmounted
 *     mount point), of which nothing was taken as deleted
 */
public record PassResult(Counts counts, List<String> unavailable, List<String> problems, Duration took, Map<String, Integer> held,
        List<String> unavailableFolders) {
    public PassResult {
        unavailable = List.copyOf(unavailable);
        problems = List.copyOf(problems);
        if (problems.size() != counts.failed()) {
            throw new IllegalArgumentException(counts.failed() + " failed but " + problems.size() + " FAILED line(s): " + problems);
        }
        held = Map.copyOf(held);
        unavailableFolders = List.copyOf(unavailableFolders);
    }

    public PassResult(Counts counts, List<String> unavailable, List<String> problems, Duration took) {
        this(counts, unavailable, problems, took, Map.of(), List.of());
    }

    public boolean complete() {
        return unavailable.isEmpty() && problems.isEmpty() && counts.failed() == 0 && held.isEmpty() && unavailableFolders.isEmpty();
    }

    /** OK if complete; FAILED if every one of the pass's {@code sourceCount} sources was unavailable; else PARTIAL. */
    public Outcome outcome(int sourceCount) {
        if (complete()) {
            return Outcome.OK;
        }
        return unavailable.size() == sourceCount && sourceCount > 0 ? Outcome.FAILED : Outcome.PARTIAL;
    }

    /** The summary line, e.g. {@code Run complete: 3 backed up, … 0 failed in 0.12 s}. */
    public String summaryLine() {
        return String.format(java.util.Locale.ROOT, "Run complete: %s in %.2f s%s%s", counts.summary(), took.toNanos() / 1e9,
                unavailable.isEmpty() && unavailableFolders.isEmpty() ? ""
                        : " (unavailable: " + String.join(", ", java.util.stream.Stream.concat(unavailable.stream(),
                                unavailableFolders.stream()).toList()) + ")",
                held.isEmpty() ? "" : " (deletions held: " + held.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")");
    }
}
