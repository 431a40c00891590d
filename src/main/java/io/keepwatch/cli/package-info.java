/**
 * The command line: one picocli class per command, one exit-code mapping ({@link io.keepwatch.cli.ExitCodes}),
 * logging pointed at {@code log_dir} before the first line (set up in code, {@link io.keepwatch.cli.LogConfigs}),
 * and the console progress bar. The only package
 * that prints, and {@link io.keepwatch.cli.Main#main} the only place that exits.
 */
package io.keepwatch.cli;
