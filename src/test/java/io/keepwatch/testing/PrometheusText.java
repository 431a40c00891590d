package io.keepwatch.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Parses Prometheus' text format with the official Python client's parser ({@code prometheus_client.parser}, Debian's
 * python3-prometheus-client, which .ci/run installs), so that the tests check what a Prometheus server reads, not
 * what a parser of ours would. The result maps each sample ({@code name{label="value",...}}, labels sorted) to its
 * value, and {@code #type <family>} to the family's type.
 */
public final class PrometheusText {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for fam in text_string_to_metric_families(sys.stdin.read()):
                out['#type ' + fam.name] = fam.type
                for s in fam.samples:
                    labels = ','.join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
                    out[s.name + ('{' + labels + '}' if labels else '')] = s.value
            print(json.dumps(out))
            """;

    private PrometheusText() {
    }

    /** The samples and family types of {@code text}; fails the test if the parser refuses it. */
    public static Map<String, Object> parse(String text) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new IllegalStateException(PYTHON + " is missing: apt-get install python3-prometheus-client (.ci/run does)");
        }
        Process p = new ProcessBuilder(PYTHON, "-c", SCRIPT).redirectErrorStream(false).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("prometheus_client's parser refused the metrics: " + err + "\n" + text);
        }
        return new ObjectMapper().readValue(out, new TypeReference<Map<String, Object>>() { });
    }

    /** A sample's value as a double (the parser gives ints and floats). */
    public static double value(Map<String, Object> parsed, String sample) {
        Object v = parsed.get(sample);
        if (v == null) {
            throw new AssertionError("no sample " + sample + " in " + parsed.keySet());
        }
        return ((Number) v).doubleValue();
    }
}
