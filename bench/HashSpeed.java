import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * SHA-256 throughput of one file, three times: how JVM flags change hashing speed.
 *
 *   head -c 1G /dev/urandom > /tmp/h.bin
 *   java bench/HashSpeed.java /tmp/h.bin
 *   java -XX:TieredStopAtLevel=1 bench/HashSpeed.java /tmp/h.bin
 */
public class HashSpeed {
    public static void main(String[] args) throws Exception {
        for (int r = 0; r < 3; r++) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            long t = System.nanoTime();
            long n = 0;
            try (FileChannel c = FileChannel.open(Path.of(args[0]))) {
                while (c.read(b) > 0) {
                    b.flip();
                    n += b.remaining();
                    md.update(b);
                    b.clear();
                }
            }
            System.out.printf("%.0f MiB/s%n", n / 1048576.0 / ((System.nanoTime() - t) / 1e9));
        }
    }
}
