/**
 * The service's status page and Prometheus metrics: a small JDK HTTP server ({@link io.keepwatch.web.WebServer}, its
 * own few threads, loopback by default) serving a page rendered on the server (it works without JavaScript; a small
 * script in the jar polls for the live parts), the version history of one file with downloads, token-guarded
 * actions (a full pass, releasing held deletions, verify), and {@code /metrics}. Everything it shows comes from
 * engine events, heard on a queue of its own ({@link io.keepwatch.events.QueuedListener}), from the service's status
 * and from reading the backup root and the run history on its own threads: the engine never waits for it.
 */
package io.keepwatch.web;
