package io.keepwatch.plan;

import io.keepwatch.state.FileFacts;
import java.util.Optional;

/**
 * A file as it is on disk now: its facts (the hash was read, or trusted from the state because size,
 * mtime and inode did not change), and the staged copy of its content when one was made.
 */
public record Observed(String rel, FileFacts facts, Optional<String> staged) {
}
