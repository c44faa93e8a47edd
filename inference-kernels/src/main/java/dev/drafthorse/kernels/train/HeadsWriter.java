package dev.drafthorse.kernels.train;

import dev.drafthorse.kernels.heads.HeadsFile;
import dev.drafthorse.kernels.model.Model;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes trained heads through {@link HeadsFile.Writer}, the one writer of the format the decoder reads
 * (metadata naming the base model and its fingerprint; matrices in the training precision, norm vectors
 * and biases in F32).
 */
public final class HeadsWriter {
    private HeadsWriter() {}

    /** @param base the model the heads were trained on (its fingerprint goes into the file) */
    public static void write(TrainableHeads heads, Precision precision, Model base, Path path) throws IOException {
        Precision p = precision == Precision.F64 ? Precision.F32 : precision;
        HeadsFile.Kind kind = heads.kind().equals("medusa") ? HeadsFile.Kind.MEDUSA : HeadsFile.Kind.MTP;
        HeadsFile.Writer w = HeadsFile.writer(kind, base, heads.count(), p.id());
        for (Param q : heads.params()) {
            if (q.isVector()) {
                w.vector(q.name(), q.master());
            } else {
                w.matrix(q.name(), p.fileType(), q.master());
            }
        }
        w.write(path);
    }
}
