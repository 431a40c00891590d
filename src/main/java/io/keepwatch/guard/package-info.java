/**
 * The deletion guard: a mass deletion is a question, not an action. Owns the share limit (a pure function of
 * a source's tracked files and the deletions a pass would make), the deletions held per source until they
 * are accepted, the identity of each source folder and of the mount points inside it (kept in
 * {@code .keepwatch/guard.json}, so an unmounted subfolder or a source folder replaced by a new one is told
 * from a real deletion), and the accept requests a running service picks up.
 */
package io.keepwatch.guard;
