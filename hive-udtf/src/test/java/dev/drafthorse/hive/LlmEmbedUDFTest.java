package dev.drafthorse.hive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.drafthorse.kernels.SharedFiles;
import dev.drafthorse.kernels.embed.Embedder;
import dev.drafthorse.kernels.embed.Normalization;
import dev.drafthorse.kernels.embed.Pooling;
import dev.drafthorse.kernels.model.Model;
import dev.drafthorse.kernels.tensor.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF.DeferredJavaObject;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF.DeferredObject;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.io.FloatWritable;
import org.apache.hadoop.io.Text;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code llm_embed} called as Hive calls it: argument checks at their positions, the output type, and every vector the
 * engine's {@link Embedder} gives (the one the {@code embed} command writes), bit for bit, also after a Kryo round trip.
 */
class LlmEmbedUDFTest {
    static final Path MODEL = SharedFiles.model("arch").resolve("llama_tied_gqa.gguf");
    static final String TEXT = "Once upon a time, there was a little girl named Lily.";

    private final List<LlmEmbedUDF> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(LlmEmbedUDF::close);
    }

    private LlmEmbedUDF udf(ObjectInspector... args) throws UDFArgumentException {
        LlmEmbedUDF u = new LlmEmbedUDF();
        ObjectInspector out = u.initialize(args);
        assertEquals("array<float>", out.getTypeName());
        opened.add(u);
        return u;
    }

    private static UDFArgumentTypeException typeError(int position, ObjectInspector... args) {
        UDFArgumentTypeException e =
                assertThrows(UDFArgumentTypeException.class, () -> new LlmEmbedUDF().initialize(args));
        assertEquals(position, e.getArgumentId(), e.getMessage());
        assertTrue(e.getMessage().startsWith("llm_embed: "), e.getMessage());
        return e;
    }

    @SuppressWarnings("unchecked")
    private static float[] eval(LlmEmbedUDF u, Object... args) throws HiveException {
        DeferredObject[] d = new DeferredObject[args.length];
        for (int i = 0; i < args.length; i++) {
            d[i] = new DeferredJavaObject(args[i]);
        }
        List<FloatWritable> out = (List<FloatWritable>) u.evaluate(d);
        if (out == null) {
            return null;
        }
        float[] v = new float[out.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = out.get(i).get();
        }
        return v;
    }

    static float[] engine(String text, Pooling pooling, Normalization norm) throws Exception {
        try (Parallel par = new Parallel(1)) {
            Model m = Model.load(MODEL, par);
            return new Embedder(m, pooling, norm, m.config().contextLength(), Embedder.DEFAULT_BATCH_TOKENS)
                    .embed(text);
        }
    }

    @Test
    void argumentsAreCheckedAtTheirPositions() {
        assertThrows(
                UDFArgumentException.class,
                () -> new LlmEmbedUDF().initialize(new ObjectInspector[] {Udtfs.javaString()}));
        typeError(0, Udtfs.javaInt(), Udtfs.javaString());
        typeError(1, Udtfs.javaString(), Udtfs.javaInt());
        typeError(1, Udtfs.javaString(), Udtfs.constString(""));
        typeError(2, Udtfs.javaString(), Udtfs.javaString(), Udtfs.javaString());
        assertTrue(typeError(2, Udtfs.javaString(), Udtfs.javaString(), Udtfs.constStringMap("pooling", "max"))
                .getMessage()
                .contains("option pooling must be mean, last, cls or none, got 'max'"));
        assertTrue(typeError(2, Udtfs.javaString(), Udtfs.javaString(), Udtfs.constStringMap("pooling", "none"))
                .getMessage()
                .contains("a vector per token"));
        assertTrue(typeError(2, Udtfs.javaString(), Udtfs.javaString(), Udtfs.constStringMap("colour", "red"))
                .getMessage()
                .contains("unknown option 'colour' (known: pooling, normalize)"));
    }

    @Test
    void vectorsAreTheEnginesAndNullsGiveNull() throws Exception {
        LlmEmbedUDF plain = udf(Udtfs.javaString(), Udtfs.constString(MODEL.toString()));
        Text path = new Text(MODEL.toString()); // the constant's inspector is a writable one
        assertArrayEquals(engine(TEXT, Pooling.MEAN, Normalization.L2), eval(plain, TEXT, path));
        LlmEmbedUDF last = Udtfs.kryoCopy(udf(
                Udtfs.writableString(),
                Udtfs.javaString(),
                Udtfs.constStringMap("pooling", "last", "normalize", "none")));
        last.initialize(new ObjectInspector[] {
            Udtfs.writableString(), Udtfs.javaString(), Udtfs.constStringMap("pooling", "last", "normalize", "none")
        });
        opened.add(last);
        assertArrayEquals(
                engine(TEXT, Pooling.LAST, Normalization.NONE), eval(last, new Text(TEXT), MODEL.toString(), null));
        assertNull(eval(plain, null, path));
        assertNull(eval(plain, TEXT, null));
        assertNull(eval(plain, "", path));
        assertNull(eval(plain, "the cat sat on the mat ".repeat(100), path)); // past the context of 256
    }
}
