package io.keepwatch.engine;

import io.keepwatch.plan.Observed;
import io.keepwatch.scan.PickedFiles;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.LiveFile;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Splits a scan, matched with the state ({@link ScanMatcher}), into the chunks a pass copies and executes one after
 * another: files in scan order until {@code maxBytes} or {@code maxFiles} need reading, so a crash loses at most one
 * chunk of copying. Files whose size, mtime and inode are unchanged are observed with their stored hash and never
 * read; those exactly as recorded (permission bits too, as {@link ScanMatcher} found) are only handed to
 * {@code unchanged}, since the planner would call them unchanged. There is always one chunk, the first, for the paths gone. A pure function.
 */
final class Chunker {
    /**
     * A chunk ends after this many bytes or files need reading. Chunks are copied while the one before is made
     * durable and executed, so smaller ones keep the disk and the cores busier, up to the cost of one syncfs
     * and one journal batch each.
     */
    static final long CHUNK_BYTES = 256L << 20;
    static final int CHUNK_FILES = 10_000;

    /**
     * One chunk of a pass: files to read (copy while hashing, or hash only), with what the state holds of each;
     * files observed from their metadata (the stored hash is trusted); and, in the first chunk, the paths gone.
     */
    record Chunk(List<ScannedFile> toRead, List<Optional<LiveFile>> liveOfRead, long readBytes, List<Observed> known,
            List<String> absent) {
    }

    private final long maxBytes;
    private final int maxFiles;

    Chunker(long maxBytes, int maxFiles) {
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
    }

    /** The chunker of every pass: {@link #CHUNK_BYTES}, {@link #CHUNK_FILES}. */
    static Chunker standard() {
        return new Chunker(CHUNK_BYTES, CHUNK_FILES);
    }

    /**
     * @param files the scan's files, in order
     * @param liveOf what the state holds at each of {@code files}' paths (not looked up for those in {@code same})
     * @param same the positions of {@code files} exactly as recorded ({@link ScanMatcher.Match#unchanged}): only
     *     handed to {@code unchanged}
     * @param rehash read every file, trusting no stored hash ({@code same} is then empty)
     * @param absent the paths gone, for the first chunk
     * @param unchanged hears the position in {@code files} of each file exactly as recorded (not in any chunk; no
     *     record is made of it)
     */
    List<Chunk> split(List<ScannedFile> files, List<Optional<LiveFile>> liveOf, BitSet same, boolean rehash,
            List<String> absent, IntConsumer unchanged) {
        List<Chunk> chunks = new ArrayList<>();
        int i = 0;
        do {
            List<Observed> known = new ArrayList<>();
            PickedFiles.Builder toRead = PickedFiles.of(files); // no record kept per file to read: see FileColumns
            List<Optional<LiveFile>> liveOfRead = new ArrayList<>();
            long bytes = 0;
            while (i < files.size() && bytes < maxBytes && toRead.size() < maxFiles) {
                if (same.get(i)) {
                    unchanged.accept(i++);
                    continue;
                }
                Optional<LiveFile> live = liveOf.get(i);
                ScannedFile f = files.get(i++);
                if (!rehash && live.isPresent() && live.get().sameMetadata(f.size(), f.mtime(), f.inode())) {
                    // only the permission bits differ (files exactly as recorded are in same)
                    known.add(new Observed(f.rel(), new FileFacts(live.get().hash(), f.size(), f.mtime(), f.inode(), f.perms()),
                            Optional.empty()));
                } else {
                    toRead.add(i - 1);
                    liveOfRead.add(live);
                    bytes += f.size();
                }
            }
            chunks.add(new Chunk(toRead.build(), liveOfRead, bytes, known, chunks.isEmpty() ? absent : List.of()));
        } while (i < files.size());
        return chunks;
    }
}
