package dev.drafthorse.hive;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under a scheme of its own ({@code dhtest:///abs/path}): stands in for HDFS or S3 in
 * tests, so that the code path for "any Hadoop filesystem URI" (a copy to a local file) really runs.
 * Enabled with {@code fs.dhtest.impl=dev.drafthorse.hive.SchemeFileSystem}.
 */
public class SchemeFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "dhtest";

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}
