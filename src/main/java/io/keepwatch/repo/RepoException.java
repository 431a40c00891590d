package io.keepwatch.repo;

/** A repository operation that cannot go on: the message names the repository, object or file and the reason. */
public class RepoException extends Exception {
    private static final long serialVersionUID = 1L;

    public RepoException(String message) {
        super(message);
    }

    public RepoException(String message, Throwable cause) {
        super(message, cause);
    }
}
