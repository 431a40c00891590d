package io.keepwatch.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code exclude} globs, matched against a path relative to its source root with {@code /} separators.
 *
 * <ul>
 *   <li>{@code *} matches within one name, {@code ?} one character, {@code [abc]} a class,
 *       {@code {a,b}} alternatives, {@code **} any number of folders ({@code **}{@code /x} also matches
 *       {@code x} at the top);</li>
 *   <li>a pattern without {@code /} matches a name at any depth ({@code *.tmp}, {@code .DS_Store});</li>
 *   <li>a folder that matches is skipped with everything in it; {@code node_modules/**} skips the folder
 *       {@code node_modules} itself.</li>
 * </ul>
 * There are no default patterns.
 */
public final class ExcludeRules {
    private final List<Pattern> patterns;

    private ExcludeRules(List<Pattern> patterns) {
        this.patterns = patterns;
    }

    public static ExcludeRules none() {
        return new ExcludeRules(List.of());
    }

    /** Compiles the patterns; an invalid one gives IllegalArgumentException naming it. */
    public static ExcludeRules compile(List<String> globs) {
        List<Pattern> compiled = new ArrayList<>();
        for (String glob : globs) {
            if (glob.isBlank()) {
                throw new IllegalArgumentException("empty pattern");
            }
            String g = glob.startsWith("/") ? glob.substring(1) : (glob.contains("/") ? glob : "**/" + glob);
            try {
                compiled.add(Pattern.compile(toRegex(g, glob)));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid pattern '" + glob + "': " + e.getDescription(), e);
            }
        }
        return new ExcludeRules(List.copyOf(compiled));
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /** Whether a file at {@code rel} is excluded. */
    public boolean excludesFile(String rel) {
        for (Pattern p : patterns) {
            if (p.matcher(rel).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the folder at {@code rel} is excluded together with everything inside it. */
    public boolean excludesFolder(String rel) {
        for (Pattern p : patterns) {
            if (p.matcher(rel).matches() || p.matcher(rel + "/").matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code rel} or any folder above it is excluded. */
    public boolean excludesPath(String rel) {
        if (patterns.isEmpty()) {
            return false;
        }
        int slash = -1;
        while ((slash = rel.indexOf('/', slash + 1)) >= 0) {
            if (excludesFolder(rel.substring(0, slash))) {
                return true;
            }
        }
        return excludesFile(rel) || excludesFolder(rel);
    }

    private static String toRegex(String glob, String original) {
        StringBuilder re = new StringBuilder();
        int braces = 0;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        boolean slashFollows = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                        if (slashFollows) {
                            re.append("(?:.*/)?");
                            i += 2;
                        } else {
                            re.append(".*");
                            i += 1;
                        }
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append("[^/]");
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        throw new IllegalArgumentException("invalid pattern '" + original + "': unclosed [");
                    }
                    String cls = glob.substring(i + 1, end);
                    if (cls.startsWith("!")) {
                        cls = "^" + cls.substring(1);
                    }
                    re.append('[').append(cls.replace("\\", "\\\\")).append(']');
                    i = end;
                }
                case '{' -> {
                    braces++;
                    re.append("(?:");
                }
                case '}' -> {
                    if (braces == 0) {
                        throw new IllegalArgumentException("invalid pattern '" + original + "': unmatched }");
                    }
                    braces--;
                    re.append(')');
                }
                case ',' -> re.append(braces > 0 ? "|" : ",");
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (braces != 0) {
            throw new IllegalArgumentException("invalid pattern '" + original + "': unclosed {");
        }
        return re.toString();
    }
}
