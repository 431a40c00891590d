package io.keepwatch.fs;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The one place where a file name becomes a String and back, without loss. A Linux name is a string of
 * bytes; keepwatch keeps it as a String: UTF-8 decoded, and each byte that is not part of valid UTF-8 as the
 * lone surrogate {@code U+DC00 + byte} (Python's "surrogateescape"), so {@code \xff} is {@code "\uDCFF"}. A
 * valid UTF-8 name is its plain String, as before. The JDK's own {@code Path.toString()} replaces such bytes
 * with U+FFFD, and a path made from that String is another file (or none).
 *
 * <p>On the default Unix filesystem the raw bytes are read and a path is made from bytes through the JDK's
 * {@code sun.nio.fs.UnixPath}, which needs {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} (the jar's
 * manifest says {@code Add-Opens}, so {@code java -jar} has it). Without it, a name that is not valid UTF-8
 * is an error with the reason, never a silent skip. On other filesystems (Windows, jimfs) a name is its String;
 * a String holding a lone surrogate cannot be made into a name there, also an error with the reason.
 */
public final class FileNames {
    private FileNames() {
    }

    private static final Class<?> UNIX_PATH = unixPathClass();
    /** Whether the JDK turns names into bytes as UTF-8 (then a valid name can take the JDK's own way). */
    private static final boolean JNU_UTF8 = jnuIsUtf8();
    /** {@code (Path) -> byte[]}: the raw bytes of a UnixPath; null when not accessible. */
    private static final MethodHandle AS_BYTES;
    /** {@code (FileSystem, byte[]) -> Path}: a UnixPath of raw bytes; null when not accessible. */
    private static final MethodHandle FROM_BYTES;
    /** Why the raw bytes cannot be reached, or null. */
    private static final String NO_BYTES;

    static {
        MethodHandle asBytes = null;
        MethodHandle fromBytes = null;
        String why = null;
        if (UNIX_PATH == null) {
            why = "this JDK has no sun.nio.fs.UnixPath";
        } else {
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(UNIX_PATH, MethodHandles.lookup());
                asBytes = lookup.findVirtual(UNIX_PATH, "asByteArray", MethodType.methodType(byte[].class))
                        .asType(MethodType.methodType(byte[].class, Path.class));
                Class<?> unixFs = Class.forName("sun.nio.fs.UnixFileSystem");
                fromBytes = lookup.findConstructor(UNIX_PATH, MethodType.methodType(void.class, unixFs, byte[].class))
                        .asType(MethodType.methodType(Path.class, FileSystem.class, byte[].class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                asBytes = null;
                fromBytes = null;
                why = "the JVM does not let keepwatch read the bytes of file names (start it with "
                        + "--add-opens java.base/sun.nio.fs=ALL-UNNAMED, as the keepwatch jar's manifest and launchers do): " + e;
            }
        }
        AS_BYTES = asBytes;
        FROM_BYTES = fromBytes;
        NO_BYTES = why;
    }

    private static Class<?> unixPathClass() {
        try {
            Class<?> c = Class.forName("sun.nio.fs.UnixPath");
            return c.isInstance(FileSystems.getDefault().getPath("")) ? c : null;
        } catch (ClassNotFoundException | RuntimeException e) {
            return null;
        }
    }

    private static boolean jnuIsUtf8() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "")).equals(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Why names that are not valid UTF-8 cannot be read or made here, or empty when they can. */
    public static java.util.Optional<String> bytesUnavailable() {
        return java.util.Optional.ofNullable(UNIX_PATH == null ? null : NO_BYTES);
    }

    /**
     * The name of {@code name} (a path of one name, as {@code entry.getFileName()}), losslessly.
     *
     * @throws InvalidPathException when it is not valid UTF-8 and its bytes cannot be read (see the class comment)
     */
    public static String of(Path name) {
        String s = name.toString();
        if (!isRawUnix(name) || (JNU_UTF8 && s.indexOf('\uFFFD') < 0)) {
            return s; // the JDK decoded it without a replacement: valid UTF-8, the String is the name
        }
        return decode(bytes(name, s));
    }

    /**
     * {@code base} resolved with one name (no {@code /}), made from the name's bytes where it holds escaped bytes.
     *
     * @throws InvalidPathException when the name cannot be a file name on {@code base}'s filesystem
     */
    public static Path resolve(Path base, String name) {
        if (!hasLoneSurrogate(name)) {
            if (!isRawUnix(base) || JNU_UTF8) {
                return base.resolve(name);
            }
        } else if (!isRawUnix(base)) {
            throw new InvalidPathException(name, "the name holds bytes that are not valid UTF-8, which a file name on this "
                    + "system cannot hold");
        }
        if (FROM_BYTES == null) {
            throw new InvalidPathException(name, NO_BYTES);
        }
        byte[] b = encode(name);
        for (byte x : b) {
            if (x == 0 || x == '/') {
                throw new InvalidPathException(name, x == 0 ? "NUL in a name" : "'/' in a name");
            }
        }
        if (b.length == 0) {
            return base;
        }
        try {
            return base.resolve((Path) FROM_BYTES.invokeExact(base.getFileSystem(), b));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The raw bytes of {@code path} as the system names it (without a NUL), for a system call made directly; empty when
     * it is not a path of the default Unix filesystem or its bytes cannot be reached.
     */
    static java.util.Optional<byte[]> rawBytes(Path path) {
        if (!isRawUnix(path) || AS_BYTES == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(bytes(path, ""));
    }

    private static boolean isRawUnix(Path p) {
        return UNIX_PATH != null && p.getClass() == UNIX_PATH;
    }

    /** Whether {@code s} holds a surrogate that is not half of a pair (an escaped byte, or worse). */
    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(Path name, String shown) {
        if (AS_BYTES == null) {
            throw new InvalidPathException(shown, "the name is not valid UTF-8 and " + NO_BYTES);
        }
        try {
            return (byte[]) AS_BYTES.invokeExact(name);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes as a String: UTF-8, each byte outside valid UTF-8 as {@code U+DC00 + byte}. */
    public static String decode(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isUnderflow()) {
                break;
            }
            if (r.isOverflow()) {
                throw new IllegalStateException("a UTF-8 name decoded to more chars than bytes");
            }
            for (int i = 0; i < r.length(); i++) {
                out.put((char) (0xDC00 | (in.get() & 0xFF)));
            }
        }
        dec.flush(out);
        out.flip();
        return out.toString();
    }

    /**
     * The bytes of a name as {@link #decode} makes it: UTF-8, each {@code U+DC80..U+DCFF} that is not the low half
     * of a surrogate pair as its byte.
     *
     * @throws InvalidPathException for any other lone surrogate (no name's bytes decode to one)
     */
    public static byte[] encode(String name) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(name.length() + 8);
        int start = 0;
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (c < 0xDC80 || c > 0xDCFF) {
                    throw new InvalidPathException(name, "a lone surrogate U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
                            + " in a name is no byte of any file name");
                }
                out.writeBytes(utf8(name.substring(start, i)));
                out.write(c & 0xFF);
                start = i + 1;
            }
        }
        out.writeBytes(utf8(name.substring(start)));
        return out.toByteArray();
    }

    private static byte[] utf8(String valid) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(valid));
            byte[] a = new byte[b.remaining()];
            b.get(a);
            return a;
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("no lone surrogate left, yet not encodable: " + e);
        }
    }
}
