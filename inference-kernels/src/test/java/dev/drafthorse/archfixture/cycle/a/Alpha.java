package dev.drafthorse.archfixture.cycle.a;

import dev.drafthorse.archfixture.cycle.b.Beta;

/** A planted package cycle (a → b → a) that the architecture rules must report; see ArchitectureTest. */
public final class Alpha {
    public Beta next() {
        return new Beta();
    }
}
