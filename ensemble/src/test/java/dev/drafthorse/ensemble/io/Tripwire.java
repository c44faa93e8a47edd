package dev.drafthorse.ensemble.io;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/** A stand-in for a gadget: records whether its {@code readObject} ever ran. */
public class Tripwire implements Serializable {
    private static final long serialVersionUID = 1L;
    static volatile boolean triggered;

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        triggered = true;
        in.defaultReadObject();
    }
}
