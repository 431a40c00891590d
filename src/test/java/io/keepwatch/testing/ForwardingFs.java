package io.keepwatch.testing;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

/**
 * An Fs that does what another does; a test overrides the calls it records or changes. Every primitive of
 * {@link Fs} is forwarded; the derived ones ({@code readAllBytes}, {@code isDirectory}, {@code exists}, {@code size}, and
 * {@code deviceOf(path, attrs)})
 * are not, so they run on this object's primitives and an override of those reaches them.
 */
public class ForwardingFs implements Fs {
    private final Fs delegate;

    public ForwardingFs(Fs delegate) {
        this.delegate = delegate;
    }

    @Override
    public SeekableByteChannel openSource(Path file) throws IOException {
        return delegate.openSource(file);
    }

    @Override
    public FileChannel createNew(Path file) throws IOException {
        return delegate.createNew(file);
    }

    @Override
    public void syncFile(Path file) throws IOException {
        delegate.syncFile(file);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    @Override
    public boolean syncFileSystem(Path path) throws IOException {
        return delegate.syncFileSystem(path);
    }

    @Override
    public void moveNoReplace(Path from, Path to) throws IOException {
        delegate.moveNoReplace(from, to);
    }

    @Override
    public void replaceAtomically(Path from, Path to) throws IOException {
        delegate.replaceAtomically(from, to);
    }

    @Override
    public void createHardLink(Path link, Path existing) throws IOException {
        delegate.createHardLink(link, existing);
    }

    @Override
    public Optional<String> deviceOf(Path path) throws IOException {
        return delegate.deviceOf(path);
    }

    @Override
    public void createDirectory(Path dir) throws IOException {
        delegate.createDirectory(dir);
    }

    @Override
    public void createFolders(Path dir) throws IOException {
        delegate.createFolders(dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return delegate.deleteIfExists(path);
    }

    @Override
    public BasicFileAttributes readAttributesNoFollow(Path path) throws IOException {
        return delegate.readAttributesNoFollow(path);
    }

    @Override
    public DirectoryStream<Path> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public InputStream newInputStream(Path file) throws IOException {
        return delegate.newInputStream(file);
    }

    @Override
    public FileChannel openWrite(Path file) throws IOException {
        return delegate.openWrite(file);
    }

    @Override
    public void setFileTimes(Path path, FileTime lastModified, FileTime lastAccess) throws IOException {
        delegate.setFileTimes(path, lastModified, lastAccess);
    }

    @Override
    public void setPermissions(Path path, Set<PosixFilePermission> perms) throws IOException {
        delegate.setPermissions(path, perms);
    }

    @Override
    public void copy(Path from, Path to) throws IOException {
        delegate.copy(from, to);
    }
}
