package dev.drafthorse.archfixture.cycle.b;

import dev.drafthorse.archfixture.cycle.a.Alpha;

/** The other half of the planted package cycle; see ArchitectureTest. */
public final class Beta {
    public Alpha back() {
        return new Alpha();
    }
}
