package io.keepwatch.state;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where each source's live file records lie in the bytes of a state.json, found by following its JSON structure byte
 * by byte (strings and their escapes, nesting) as the bytes go by: fed the bytes the writer writes, or the bytes of the
 * file as read. For each source: the offset of the {@code {} that opens its {@code files} object and of the {@code }}
 * that closes it, and every {@link #RUN}th record's key with the offset where it starts and the offset of the comma
 * that ends the record before it. So the records between two such keys can be cut out of the file whole, and a part of
 * the state parsed without the rest ({@link StateStore#loadPart}).
 *
 * <p>It parses nothing it does not need: keys at the top three levels (few) and one record key in {@link #RUN}. Input
 * that is not as expected (a key twice, nesting deeper than it follows) makes the result empty: the index then has no
 * runs, and a pass loads state.json whole.
 */
public final class StateOffsets {
    /** Records per run: one key decoded, and one entry in the index, per this many live files. */
    public static final int RUN = 128;
    private static final int MAX_DEPTH = 64;

    /** One source's file records: where they start, every RUN-th key, and where they end. */
    public record Files(long open, long close, int records, List<String> firsts, List<Long> starts, List<Long> ends) {
    }

    private long pos;
    private boolean inString;
    private boolean escape;
    private int depth;
    private final boolean[] object = new boolean[MAX_DEPTH + 1];
    /** The last byte outside strings that is not white space. */
    private byte last;
    private boolean bad;
    /** The key of each of the top three levels, as last read. */
    private final String[] keys = new String[4];
    /** Bytes of the key being read when it is one we decode (-1 level: none). */
    private final ByteArrayOutputStream key = new ByteArrayOutputStream(64);
    private int keyLevel = -1;
    private boolean keyIsRecord;

    // The files object being read, if one is.
    private String source;
    private long open;
    private int records;
    private long lastComma;
    private List<String> firsts;
    private List<Long> starts;
    private List<Long> ends;
    private final Map<String, Files> done = new HashMap<>();

    /** Follows {@code len} more bytes of the file. */
    public void feed(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (inString) {
                if (keyLevel >= 0) {
                    key.write(c);
                }
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                    if (keyLevel >= 0) {
                        keyRead();
                    }
                }
            } else {
                structure(c);
            }
            pos++;
        }
    }

    private void structure(byte c) {
        switch (c) {
            case ' ', '\n', '\r', '\t' -> {
                return;
            }
            case '"' -> {
                inString = true;
                boolean isKey = depth > 0 && depth <= MAX_DEPTH && object[depth] && (last == '{' || last == ',');
                if (isKey && depth <= 3) {
                    key.reset();
                    key.write(c);
                    keyLevel = depth;
                    keyIsRecord = false;
                } else if (isKey && depth == 4 && source != null) {
                    records++;
                    if ((records - 1) % RUN == 0) {
                        if (records > 1) {
                            ends.add(lastComma);
                        }
                        starts.add(pos);
                        key.reset();
                        key.write(c);
                        keyLevel = depth;
                        keyIsRecord = true;
                    }
                }
            }
            case '{', '[' -> {
                if (depth == 3 && c == '{' && last == ':' && "sources".equals(keys[1]) && "files".equals(keys[3])) {
                    if (done.containsKey(keys[2]) || source != null) {
                        bad = true;
                    }
                    source = keys[2];
                    open = pos;
                    records = 0;
                    firsts = new ArrayList<>();
                    starts = new ArrayList<>();
                    ends = new ArrayList<>();
                }
                depth++;
                if (depth <= MAX_DEPTH) {
                    object[depth] = c == '{';
                } else {
                    bad = true;
                }
                if (depth <= 3) {
                    keys[depth] = null;
                }
            }
            case '}', ']' -> {
                if (depth == 4 && source != null) {
                    if (records > 0) {
                        ends.add(pos);
                    }
                    done.put(source, new Files(open, pos, records, List.copyOf(firsts), List.copyOf(starts), List.copyOf(ends)));
                    source = null;
                }
                depth--;
                if (depth < 0) {
                    bad = true;
                    depth = 0;
                }
            }
            case ',' -> {
                if (depth == 4 && source != null) {
                    lastComma = pos;
                }
            }
            default -> {
            }
        }
        last = c;
    }

    private void keyRead() {
        String text = decode(key.toByteArray());
        if (text == null) {
            bad = true;
        } else if (keyIsRecord) {
            firsts.add(text);
        } else {
            keys[keyLevel] = text;
        }
        keyLevel = -1;
        last = '"';
    }

    /** A JSON string (quotes included) as its text; null if it is not one. */
    private static String decode(byte[] quoted) {
        try (JsonParser p = StateReader.JSON.createParser(quoted)) {
            return p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Each source's records, by source name; empty when the bytes were not a whole state.json as expected. */
    public Optional<Map<String, Files>> result() {
        if (bad || inString || depth != 0 || source != null) {
            return Optional.empty();
        }
        return Optional.of(Map.copyOf(done));
    }
}
