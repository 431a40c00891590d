package io.keepwatch.web;

import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.history.FailureRow;
import io.keepwatch.history.PassRow;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.restore.Timeline;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The status page's HTML, rendered on the server: the whole page works without JavaScript, and the script polls
 * {@code /live} for {@link #live} alone. Every text from outside (names, paths, messages) goes through {@link #esc}.
 * Over 300 lines: it is one template, section by section.
 */
final class Page {
    /** How many recent actions the page lists. */
    static final int ACTIONS = 40;

    private final ZoneId zone;

    Page(ZoneId zone) {
        this.zone = zone;
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String time(Instant t) {
        return "<time datetime=\"" + t + "\">" + Words.local(t, zone) + "</time>";
    }

    /** The whole page. {@code file} is the version section (search results or one file's versions), already rendered. */
    String page(String live, String history, String disk, String file, boolean signedIn, Optional<String> message) {
        StringBuilder b = new StringBuilder(16_384);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<meta name=\"color-scheme\" content=\"light dark\">")
                .append("<title>keepwatch</title><link rel=\"stylesheet\" href=\"/assets/style.css\">")
                .append("<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">")
                .append("<script src=\"/assets/app.js\" defer></script></head><body>\n")
                .append("<header><h1>keepwatch</h1><p class=\"sub\">Is everything backed up? This page updates itself; ")
                .append("<a href=\"/\">reload</a> if scripts are off. Times are local (")
                .append(esc(zone.getId())).append(").</p></header>\n<main>\n");
        message.ifPresent(m -> b.append("<p class=\"message\" role=\"status\">").append(esc(m)).append("</p>\n"));
        b.append("<div id=\"live\" aria-live=\"polite\">").append(live).append("</div>\n");
        b.append(file).append(history).append(disk);
        b.append(actions(signedIn));
        b.append("</main><footer><a href=\"/metrics\">/metrics</a> (Prometheus)</footer></body></html>\n");
        return b.toString();
    }

    /** The parts that change by the second: sources, the work in progress, recent actions. */
    String live(List<LiveView.Source> sources, Optional<ServiceStatus> status, Optional<LiveView.Current> current,
            Optional<CopyProgress.Phase> copying, List<LiveView.Line> recent, long version, boolean verifying,
            Optional<ReplicationStatus> replication, Instant now) {
        StringBuilder b = new StringBuilder(8192);
        b.append("<section id=\"sources\" data-version=\"").append(version).append("\"><h2>Sources</h2>")
                .append("<table><thead><tr><th>source</th><th>state</th><th>last backup</th><th>folder</th></tr></thead><tbody>");
        for (LiveView.Source s : sources) {
            String state = state(s);
            b.append("<tr class=\"source ").append(cls(s)).append("\" data-source=\"").append(esc(s.name())).append("\"><td>")
                    .append(esc(s.name())).append("</td><td class=\"state\"><span class=\"badge\">").append(esc(state))
                    .append("</span>");
            s.reason().filter(r -> s.state() != SourceState.OK).ifPresent(r -> b.append(" <small>").append(esc(r)).append("</small>"));
            if (s.heldDeletions() > 0) {
                b.append(" <small>").append(s.heldDeletions()).append(" deletion(s) held</small>");
            }
            b.append("</td><td class=\"last-backup\">").append(s.lastBackup().map(this::time).orElse("not yet"))
                    .append("</td><td class=\"path\">").append(esc(s.path())).append("</td></tr>");
        }
        b.append("</tbody></table></section>\n");
        b.append("<section id=\"work\"><h2>Now</h2>");
        status.ifPresent(st -> b.append("<p>The service is <b class=\"activity\">").append(esc(st.activity())).append("</b>; ")
                .append(st.queueDepth()).append(" changed path(s) in the queue, ").append(st.pendingPaths())
                .append(" waiting to settle. Running since ").append(time(st.startedAt())).append(".</p>"));
        replication.ifPresent(r -> b.append("<p class=\"replication ").append(r.failing() ? "bad" : "ok")
                .append("\">Repository ").append(esc(r.repository())).append(": <b>").append(esc(r.state())).append("</b>")
                .append(r.remoteUnavailable() && r.unavailableSince() != null ? " since " + time(r.unavailableSince()) + " (retried)" : "")
                .append(", ")
                .append(r.inSyncAt() == null ? "no push yet" : "in sync as of " + time(r.inSyncAt()) + " (lag "
                        + Words.duration(java.time.Duration.between(r.inSyncAt(), now)) + ")")
                .append("; ").append(r.pendingChanges()).append(" change(s), ").append(Words.bytes(r.pendingBytes()))
                .append(" waiting for the next push")
                .append(r.lastError() == null ? "" : "; last error: " + esc(r.lastError())).append(".</p>"));
        if (current.isPresent()) {
            LiveView.Current c = current.get();
            b.append("<p class=\"pass\">").append(esc(Words.trigger(c.trigger()))).append(" of ").append(esc(String.join(", ", c.sources())))
                    .append(" since ").append(time(c.started())).append(": ").append(c.files()).append(" file(s) so far</p>");
        } else {
            b.append("<p class=\"pass\">No pass or batch in progress.</p>");
        }
        if (copying.isPresent()) {
            CopyProgress.Phase p = copying.get();
            int pct = p.total() == 0 ? 100 : (int) (100 * p.done() / p.total());
            b.append("<p><label for=\"copy\">").append(esc(p.name())).append(": ").append(Words.bytes(p.done())).append(" of ")
                    .append(Words.bytes(p.total())).append("</label> <progress id=\"copy\" max=\"100\" value=\"").append(pct)
                    .append("\">").append(pct).append(" %</progress></p>");
        } else if (current.isPresent()) {
            b.append("<p><progress aria-label=\"working\"></progress></p>");
        }
        if (verifying) {
            b.append("<p>A verify of the whole backup is running.</p>");
        }
        b.append("</section>\n<section id=\"recent\"><h2>Recent actions</h2>");
        if (recent.isEmpty()) {
            b.append("<p>None since the service started.</p>");
        } else {
            b.append("<ol class=\"log\">");
            for (LiveView.Line l : recent.subList(0, Math.min(ACTIONS, recent.size()))) {
                b.append("<li class=\"").append(l.level().toLowerCase(Locale.ROOT)).append("\">").append(time(l.at())).append(' ')
                        .append(esc(l.text())).append("</li>");
            }
            b.append("</ol>");
        }
        b.append("</section>");
        return b.toString();
    }

    private static String state(LiveView.Source s) {
        if (s.state() == SourceState.UNAVAILABLE) {
            return "UNAVAILABLE";
        }
        if (s.heldDeletions() > 0) {
            return "deletions held";
        }
        if (s.scanning()) {
            return "scanning";
        }
        return s.state() == SourceState.POLLING ? "polling (watch limit)" : "watching";
    }

    private static String cls(LiveView.Source s) {
        return s.state() == SourceState.UNAVAILABLE ? "bad" : s.heldDeletions() > 0 || s.state() == SourceState.POLLING ? "warn" : "ok";
    }

    String history(RecentHistory.View v) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<section id=\"history\"><h2>History (last 24 hours)</h2>");
        v.problem().ifPresent(p -> b.append("<p class=\"bad\">").append(esc(p)).append("</p>"));
        if (v.passes().isEmpty()) {
            b.append("<p>No pass recorded yet.</p>");
        } else {
            b.append("<table><thead><tr><th>ended</th><th>what</th><th>outcome</th><th>counts</th></tr></thead><tbody>");
            for (PassRow p : v.passes()) {
                b.append("<tr class=\"").append(p.outcome() == Outcome.OK ? "ok" : p.outcome() == Outcome.PARTIAL ? "warn" : "bad")
                        .append("\"><td>").append(time(p.ended())).append("</td><td>").append(esc(Words.trigger(p.trigger())))
                        .append(p.batches() > 1 ? " ×" + p.batches() : "").append(" of ").append(esc(String.join(", ", p.sources())))
                        .append("</td><td>").append(p.outcome()).append("</td><td>").append(esc(p.counts().summary()))
                        .append(p.error().map(e -> "; " + esc(e)).orElse("")).append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        if (!v.failures().isEmpty()) {
            b.append("<h3>Failures</h3><ul class=\"failures\">");
            for (FailureRow f : v.failures()) {
                b.append("<li class=\"bad\">").append(time(f.at())).append(' ').append(esc(f.reason().name())).append(": ")
                        .append(esc(f.message())).append("</li>");
            }
            b.append("</ul>");
        }
        return b.append("</section>\n").toString();
    }

    String disk(Map<String, DiskUse.Use> bySource, List<DiskUse.Sample> samples, Optional<Instant> at) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<section id=\"disk\"><h2>Disk use of the backup</h2>");
        if (at.isEmpty()) {
            return b.append("<p>Not counted yet.</p></section>\n").toString();
        }
        b.append("<table><thead><tr><th>source</th><th>current</th><th>versions</th><th>deleted</th></tr></thead><tbody>");
        bySource.forEach((s, u) -> b.append("<tr><td>").append(esc(s)).append("</td>").append(cell(u.current()))
                .append(cell(u.versions())).append(cell(u.deleted())).append("</tr>"));
        DiskUse.Use t = DiskUse.total(bySource.values());
        b.append("<tr class=\"total\"><td>all</td>").append(cell(t.current())).append(cell(t.versions())).append(cell(t.deleted()))
                .append("</tr></tbody></table><p><small>Counted ").append(time(at.get())).append(".</small></p>");
        b.append(chart(samples));
        return b.append("</section>\n").toString();
    }

    private static String cell(DiskUse.Tally t) {
        return "<td>" + Words.bytes(t.bytes()) + " <small>(" + t.files() + " files)</small></td>";
    }

    /** An SVG line chart of the current, versions and deleted bytes over the samples. */
    private String chart(List<DiskUse.Sample> samples) {
        if (samples.size() < 2) {
            return "<p><small>The chart starts with the second count.</small></p>";
        }
        double w = 600;
        double h = 120;
        long max = 1;
        for (DiskUse.Sample s : samples) {
            max = Math.max(max, Math.max(s.total().current().bytes(), Math.max(s.total().versions().bytes(), s.total().deleted().bytes())));
        }
        long t0 = samples.get(0).at().toEpochMilli();
        long span = Math.max(1, samples.get(samples.size() - 1).at().toEpochMilli() - t0);
        StringBuilder b = new StringBuilder("<figure><svg class=\"chart\" viewBox=\"0 0 600 120\" role=\"img\" aria-label=\"disk use over time\">");
        String[][] lines = {{"current", "c"}, {"versions", "v"}, {"deleted", "d"}};
        for (String[] l : lines) {
            b.append("<polyline class=\"").append(l[1]).append("\" fill=\"none\" points=\"");
            for (DiskUse.Sample s : samples) {
                long v = l[1].equals("c") ? s.total().current().bytes() : l[1].equals("v") ? s.total().versions().bytes()
                        : s.total().deleted().bytes();
                double x = w * (s.at().toEpochMilli() - t0) / span;
                double y = h - 4 - (h - 8) * v / max;
                b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            b.append("\"/>");
        }
        return b.append("</svg><figcaption><span class=\"c\">current</span> · <span class=\"v\">versions</span> · ")
                .append("<span class=\"d\">deleted</span>; top: ").append(Words.bytes(max)).append("; from ")
                .append(time(samples.get(0).at())).append("</figcaption></figure>").toString();
    }

    /** The search form, with its results or one file's versions below it. */
    String file(String query, List<String> matches, Optional<String> path, List<Timeline.Entry> versions, Optional<String> problem) {
        StringBuilder b = new StringBuilder(4096);
        b.append("<section id=\"file\"><h2>Versions of a file</h2><form method=\"get\" action=\"/\" role=\"search\">")
                .append("<label for=\"q\">Path (part of it, e.g. <code>notes.md</code>)</label> ")
                .append("<input id=\"q\" name=\"q\" type=\"search\" value=\"").append(esc(query)).append("\"> ")
                .append("<button type=\"submit\">Search</button></form>");
        problem.ifPresent(p -> b.append("<p class=\"bad\">").append(esc(p)).append("</p>"));
        if (!query.isBlank() && path.isEmpty()) {
            if (matches.isEmpty()) {
                b.append("<p>No file in the backup matches.</p>");
            } else {
                b.append("<ul class=\"matches\">");
                for (String m : matches) {
                    b.append("<li><a href=\"/?path=").append(url(m)).append("#file\">").append(esc(m)).append("</a></li>");
                }
                b.append("</ul>");
                if (matches.size() >= FileVersions.MAX_MATCHES) {
                    b.append("<p><small>The first ").append(FileVersions.MAX_MATCHES).append(" matches; type more of the path.</small></p>");
                }
            }
        }
        if (path.isPresent()) {
            b.append("<h3>").append(esc(path.get())).append("</h3>");
            if (versions.isEmpty()) {
                b.append("<p>The backup holds nothing of this path.</p>");
            } else {
                b.append("<table class=\"versions\"><thead><tr><th>what</th><th>content since</th><th>until</th><th>size</th>")
                        .append("<th></th></tr></thead><tbody>");
                for (Timeline.Entry e : versions) {
                    String what = switch (e.kind()) {
                        case CURRENT -> "current";
                        case VERSION -> "version " + e.version();
                        case DELETED -> "deleted";
                    };
                    b.append("<tr><td>").append(what).append("</td><td>").append(time(e.since())).append("</td><td>")
                            .append(e.until().map(this::time).orElse("now")).append("</td><td>").append(Words.bytes(e.size()))
                            .append("</td><td><a class=\"download\" href=\"/download?path=").append(url(path.get())).append("&amp;id=")
                            .append(url(FileVersions.id(e))).append("\" download>download</a></td></tr>");
                }
                b.append("</tbody></table>");
            }
        }
        return b.append("</section>\n").toString();
    }

    private static String actions(boolean signedIn) {
        StringBuilder b = new StringBuilder("<section id=\"actions\"><h2>Actions</h2>");
        if (!signedIn) {
            b.append("<form method=\"post\" action=\"/login\"><label for=\"token\">Token (in <code>.keepwatch/http-token</code> ")
                    .append("of the backup root)</label> <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\"> ")
                    .append("<button type=\"submit\">Remember it</button></form>");
        } else {
            b.append("<p>Signed in with the token on this browser.</p>");
        }
        b.append("<form method=\"post\" action=\"/action/pass\"><button type=\"submit\" id=\"act-pass\">Run a full pass now</button></form>")
                .append("<form method=\"post\" action=\"/action/verify\"><button type=\"submit\" id=\"act-verify\">Verify the backup</button></form>")
                .append("<form method=\"post\" action=\"/action/accept\"><label for=\"accept-source\">Release the deletions held in</label> ")
                .append("<input id=\"accept-source\" name=\"source\" size=\"12\"> <button type=\"submit\">Release</button></form>")
                .append("</section>\n");
        return b.toString();
    }
}
