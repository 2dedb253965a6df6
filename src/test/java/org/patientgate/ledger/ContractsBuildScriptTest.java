package org.patientgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** contracts/build.sh stops with a clear message when the machine lacks a usable Node.js and npm. */
class ContractsBuildScriptTest {

    private static final Path SCRIPT = Path.of("contracts", "build.sh");

    @TempDir
    Path tmp;

    private Path bin;
    private Path out;

    private record Result(int exitCode, String stdout, String stderr) {}

    @BeforeEach
    void pathWithOnlyDirname() throws IOException {
        bin = Files.createDirectory(tmp.resolve("bin"));
        out = tmp.resolve("out");
        Files.createSymbolicLink(bin.resolve("dirname"), locate("dirname"));
    }

    private static Path locate(String tool) {
        for (String dir : new String[] {"/usr/bin", "/bin"}) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException(tool + " not found in /usr/bin or /bin");
    }

    private void fakeTool(String name, String body) throws IOException {
        Path tool = bin.resolve(name);
        Files.writeString(tool, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    }

    private Result runScript() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString(), out.toString());
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        pb.redirectOutput(tmp.resolve("stdout").toFile());
        pb.redirectError(tmp.resolve("stderr").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("build.sh finished").isTrue();
        return new Result(
                p.exitValue(), Files.readString(tmp.resolve("stdout")), Files.readString(tmp.resolve("stderr")));
    }

    @Test
    void withoutNodeItFailsSayingNode20AndNpmAreNeededAndHowToInstallThem() throws Exception {
        assertThat(SCRIPT).exists();

        Result r = runScript();

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr())
                .contains("'node' was not found on PATH")
                .contains("Node.js 20 or newer with npm")
                .contains("apt-get install nodejs npm");
        assertThat(out).doesNotExist();
    }

    @Test
    void withNodeButWithoutNpmItFailsNamingNpm() throws Exception {
        fakeTool("node", "echo 22");

        Result r = runScript();

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).contains("'npm' was not found on PATH").contains("Node.js 20");
    }

    @Test
    void withNode18ItFailsSayingItIsTooOld() throws Exception {
        fakeTool("node", "if [ \"$1\" = \"-p\" ]; then echo 18; else echo v18.19.1; fi");
        fakeTool("npm", "echo 'npm must not run' >&2; exit 99");

        Result r = runScript();

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr())
                .contains("Node.js v18.19.1 is too old")
                .contains("Node.js 20 or newer")
                .doesNotContain("npm must not run");
        assertThat(out).doesNotExist();
    }
}
