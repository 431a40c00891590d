package io.keepwatch.s3;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a repository is in object storage: {@code s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]}. The endpoint is the
 * scheme, host and port; the bucket is the first path segment; the rest is the prefix every object name goes
 * under. Credentials never go in the URL (one with a user part is refused).
 */
public record S3Location(URI endpoint, String bucket, String prefix) {
    public static final String SCHEME = "s3:";

    public static boolean isS3(String url) {
        return url.startsWith(SCHEME);
    }

    /** Parses an {@code s3:} URL; an {@link IllegalArgumentException} says what is wrong with it. */
    public static S3Location parse(String url) {
        String form = "the form is s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]";
        if (!isS3(url)) {
            throw new IllegalArgumentException("'" + url + "' is not an s3: URL; " + form);
        }
        URI u;
        try {
            u = new URI(url.substring(SCHEME.length()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + url + "' is not a valid URL (" + e.getReason() + "); " + form);
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' needs http:// or https:// and a host; " + form);
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the repository URL must not hold credentials (give them in the environment, "
                    + "the AWS profile files or repository.s3.credentials_file); " + form);
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + url + "' has a query or fragment; " + form);
        }
        String path = u.getPath() == null ? "" : u.getPath();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int slash = path.indexOf('/');
        String bucket = slash < 0 ? path : path.substring(0, slash);
        String prefix = slash < 0 ? "" : path.substring(slash + 1);
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("'" + url + "': '" + bucket + "' is not a bucket name (3 to 63 lower-case letters, "
                    + "digits, dots and hyphens); " + form);
        }
        if (prefix.contains("//") || prefix.contains("\\") || prefix.chars().anyMatch(c -> c < 0x20)
                || ("/" + prefix + "/").contains("/../") || ("/" + prefix + "/").contains("/./")) {
            throw new IllegalArgumentException("'" + url + "': the prefix '" + prefix + "' is not a clean path; " + form);
        }
        URI endpoint = URI.create(u.getScheme() + "://" + u.getRawAuthority());
        return new S3Location(endpoint, bucket, prefix);
    }

    /** The object key of a repository object name. */
    public String key(String name) {
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** The key prefix of the repository's objects, with its trailing slash (empty for a whole bucket). */
    public String keyPrefix() {
        return prefix.isEmpty() ? "" : prefix + "/";
    }

    /** Whether the endpoint is AWS's own (virtual-host style by default there). */
    public boolean isAws() {
        return endpoint.getHost().endsWith(".amazonaws.com");
    }

    @Override
    public String toString() {
        return SCHEME + endpoint + "/" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }
}
