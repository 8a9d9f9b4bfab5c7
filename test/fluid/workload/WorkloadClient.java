// A test client of Alluxio: writes files with a given write type, or
// keeps reading files and checking their SHA-256, through Alluxio's Java
// file system client. Alluxio properties come as -D system properties.
// Every result is one line on stdout:
//
//   java -cp <alluxio jars> WorkloadClient.java write <write type> <size> <path>...
//     -> "wrote <path> <sha256>" or "failed-write <path> <error>"
//   java -cp <alluxio jars> WorkloadClient.java read <rounds|0 for until stdin closes> <path>=<sha256>...
//     -> "read <path> ok" | "read <path> mismatch" | "read <path> failed <error>"
//
// Read rounds go over every path in turn; with 0 rounds it stops once
// stdin is closed (the caller's way to say "enough"); one round reads
// several files at a time, as the final check. A read taking more
// than -Dworkload.read.timeout.seconds (default 60) counts as failed.
import alluxio.AlluxioURI;
import alluxio.client.file.FileInStream;
import alluxio.client.file.FileOutStream;
import alluxio.client.file.FileSystem;
import alluxio.grpc.CreateFilePOptions;
import alluxio.grpc.WritePType;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

public class WorkloadClient {
  public static void main(String[] args) throws Exception {
    FileSystem fs = FileSystem.Factory.get();
    int code = 0;
    if (args[0].equals("write")) {
      code = write(fs, WritePType.valueOf(args[1]), Integer.parseInt(args[2]), List.of(args).subList(3, args.length));
    } else if (args[0].equals("read")) {
      read(fs, Integer.parseInt(args[1]), List.of(args).subList(2, args.length));
    } else {
      System.err.println("usage: write TYPE SIZE PATH... | read ROUNDS PATH=SHA256...");
      code = 2;
    }
    System.out.flush();
    System.exit(code);
  }

  static int write(FileSystem fs, WritePType type, int size, List<String> paths) {
    int failed = 0;
    Random rnd = new Random();
    for (String p : paths) {
      byte[] data = new byte[size];
      rnd.nextBytes(data);
      try {
        CreateFilePOptions opts = CreateFilePOptions.newBuilder().setWriteType(type).setRecursive(true).build();
        try (FileOutStream out = fs.createFile(new AlluxioURI(p), opts)) {
          out.write(data);
        }
        System.out.println("wrote " + p + " " + sha256(data));
      } catch (Exception e) {
        failed++;
        System.out.println("failed-write " + p + " " + oneLine(e));
      }
      System.out.flush();
    }
    return failed == 0 ? 0 : 1;
  }

  static void read(FileSystem fs, int rounds, List<String> specs) throws Exception {
    AtomicBoolean stop = new AtomicBoolean(false);
    if (rounds == 0) {
      Thread t = new Thread(() -> {
        try {
          while (System.in.read() >= 0) {
          }
        } catch (Exception e) {
          // stdin gone: stop as well
        }
        stop.set(true);
      });
      t.setDaemon(true);
      t.start();
    }
    List<String[]> files = new ArrayList<>();
    for (String s : specs) {
      int i = s.lastIndexOf('=');
      files.add(new String[] {s.substring(0, i), s.substring(i + 1)});
    }
    long timeoutSeconds = Long.getLong("workload.read.timeout.seconds", 60);
    ThreadFactory daemon = r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      return t;
    };
    if (rounds == 1) {
      readAllOnce(fs, files, timeoutSeconds, daemon);
      return;
    }
    ExecutorService pool = Executors.newSingleThreadExecutor(daemon);
    for (int round = 0; rounds == 0 ? !stop.get() : round < rounds; round++) {
      for (String[] f : files) {
        if (rounds == 0 && stop.get()) {
          break;
        }
        Future<byte[]> read = pool.submit(() -> {
          try (FileInStream in = fs.openFile(new AlluxioURI(f[0]))) {
            return in.readAllBytes();
          }
        });
        try {
          byte[] data = read.get(timeoutSeconds, TimeUnit.SECONDS);
          System.out.println("read " + f[0] + (sha256(data).equals(f[1]) ? " ok" : " mismatch"));
        } catch (TimeoutException e) {
          read.cancel(true);
          pool.shutdownNow();
          pool = Executors.newSingleThreadExecutor(daemon);
          System.out.println("read " + f[0] + " failed timeout after " + timeoutSeconds + "s");
        } catch (ExecutionException e) {
          System.out.println("read " + f[0] + " failed " + oneLine(e.getCause() instanceof Exception ? (Exception) e.getCause() : e));
        }
        System.out.flush();
      }
    }
  }

  // readAllOnce reads every file once, several at a time: a lost file's
  // read spends its whole retry budget, and the final check should not
  // wait for those one after another. Results print in the files' order.
  static void readAllOnce(FileSystem fs, List<String[]> files, long timeoutSeconds, ThreadFactory daemon) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(8, files.size())), daemon);
    List<Future<byte[]>> reads = new ArrayList<>();
    for (String[] f : files) {
      reads.add(pool.submit(() -> {
        try (FileInStream in = fs.openFile(new AlluxioURI(f[0]))) {
          return in.readAllBytes();
        }
      }));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    for (int i = 0; i < files.size(); i++) {
      String[] f = files.get(i);
      try {
        byte[] data = reads.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        System.out.println("read " + f[0] + (sha256(data).equals(f[1]) ? " ok" : " mismatch"));
      } catch (TimeoutException e) {
        reads.get(i).cancel(true);
        System.out.println("read " + f[0] + " failed timeout after " + timeoutSeconds + "s");
      } catch (ExecutionException e) {
        System.out.println("read " + f[0] + " failed " + oneLine(e.getCause() instanceof Exception ? (Exception) e.getCause() : e));
      }
    }
    System.out.flush();
    pool.shutdownNow();
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  static String oneLine(Exception e) {
    String m = e.getClass().getSimpleName() + ": " + e.getMessage();
    return m.replaceAll("\\s+", " ");
  }
}
