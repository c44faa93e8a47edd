package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code drafthorse hive} command: arguments, exit codes, stdout carrying rows only, metastores. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EmbeddedHiveTest {

    /** One run of the command, its output captured. */
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = EmbeddedHive.run(args, o, e);
        }
        Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.err.print(r.err()); // keep Hive's messages visible in the test log
        return r;
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "''|one of -f FILE or -e SQL is required",
                "--bogus|unknown argument '--bogus'",
                "-e|-e needs a value",
                "-e SELECT 1 -f x.hql|-f: give only one of -f FILE and -e SQL",
                "-f /no/such/script.hql|-f /no/such/script.hql: no such file",
                "-e SELECT 1 --hiveconf novalue|--hiveconf wants KEY=VALUE, got 'novalue'",
            })
    void badArgumentsExitTwoWithUsageOnStderr(String args, String message) {
        Result r = run(args.isEmpty() ? new String[0] : args.split(" (?=-)|(?<=^-e) |(?<=-f) |(?<=--hiveconf) "));
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("drafthorse hive: " + message + "\n" + EmbeddedHive.USAGE), r.err());
    }

    @Test
    void helpGoesToStdout() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(
                r.out().startsWith(EmbeddedHive.USAGE)
                        && r.out().contains("explode_prompts, explode_chunks, llm_generate, llm_infer, llm_score"),
                r.out());
    }

    @Test
    void scriptsRunAgainstAPersistentMetastoreOrAFreshOne(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("reviews.tsv");
        Files.writeString(data, "1\t  Good pan  \n2\tBad lid\n");
        Path script = dir.resolve("demo.hql");
        Files.writeString(script, """
                -- a demo; rows go to stdout
                CREATE TABLE reviews (id INT, title STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t';
                LOAD DATA LOCAL INPATH '%s' INTO TABLE reviews;
                SELECT r.id, p.template_id, p.prompt FROM reviews r
                  LATERAL VIEW explode_prompts(array('[{title}]', 'T={title};'), named_struct('title', r.title)) p
                  AS template_id, prompt, error;
                """.formatted(data));
        Path metastore = dir.resolve("ms");

        Result first = run("-f", script.toString(), "--metastore", metastore.toString());
        assertEquals(0, first.code(), first.err());
        assertEquals(
                "1\t0\t[  Good pan  ]\n1\t1\tT=  Good pan  ;\n2\t0\t[Bad lid]\n2\t1\tT=Bad lid;\n",
                first.out(),
                "rows only, cells as they are");
        assertTrue(Files.isDirectory(metastore.resolve("metastore_db")));

        Result second = run(
                "--metastore",
                metastore.toString(),
                "-e",
                "SELECT count(*) FROM reviews;\nSELECT id FROM no_such_table;\nSELECT 'never'");
        assertEquals(1, second.code());
        assertEquals("2\n", second.out(), "the table persisted; statements after the failure do not run");
        assertTrue(second.err().contains("drafthorse hive: -e: the statement on line 2 failed: "), second.err());
        assertTrue(second.err().contains("no_such_table"), second.err());

        Result fresh = run(
                "-e",
                "SHOW TABLES; SELECT x, length(x) FROM (SELECT ' a ' AS x) t",
                "--hiveconf",
                "hive.cli.print.header=false");
        assertEquals(0, fresh.code(), fresh.err());
        assertEquals(" a \t3\n", fresh.out(), "a fresh metastore has no tables");
    }
}
