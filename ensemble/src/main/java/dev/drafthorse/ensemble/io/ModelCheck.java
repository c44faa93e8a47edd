package dev.drafthorse.ensemble.io;

import dev.drafthorse.ensemble.learner.Classifier;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import smile.base.cart.CART;
import smile.base.cart.InternalNode;

/**
 * Checks a deserialized classifier's structure before it is used: a file whose checksum was recomputed after an
 * edit can hold any graph of allowed classes, and what Java serialization cannot see (a tree node without a
 * child, a member array with a hole) would otherwise fail in a task with a {@code NullPointerException}. Walks
 * every object of the graph once (in time linear in the objects read), then predicts one row of zeros: the
 * posterior must have one finite, non-negative entry per class and sum to 1.
 */
final class ModelCheck {
    private ModelCheck() {}

    /** @throws IllegalArgumentException saying what is wrong */
    static void check(Classifier c, int features, int classes) {
        walk(c);
        double[] post;
        try {
            post = c.posterior(new double[features]);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("it fails to predict a row of " + features + " zeros: " + e, e);
        }
        double sum = 0;
        for (double v : post) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("its posterior for a row of zeros holds " + v);
            }
            sum += v;
        }
        if (post.length != classes || Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException("its posterior for a row of zeros has " + post.length
                    + " entries summing to " + sum + ", expected " + classes + " summing to 1");
        }
    }

    private static void walk(Object root) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!seen.add(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            if (c.isArray()) {
                if (c.getComponentType().isPrimitive()) {
                    continue;
                }
                int n = Array.getLength(o);
                for (int i = 0; i < n; i++) {
                    Object e = Array.get(o, i);
                    if (e == null) {
                        throw new IllegalArgumentException(
                                "an array of " + c.getComponentType().getName() + " has no element " + i);
                    }
                    todo.push(e);
                }
                continue;
            }
            if (o instanceof InternalNode in && (in.trueChild() == null || in.falseChild() == null)) {
                throw new IllegalArgumentException("a tree node (" + c.getName() + ") lacks a child");
            }
            if (o instanceof CART t && t.root() == null) {
                throw new IllegalArgumentException("a tree (" + c.getName() + ") has no root");
            }
            if (c.getName().startsWith("java.") || o instanceof Enum) {
                continue;
            }
            for (Class<?> k = c; k != null && !k.getName().startsWith("java."); k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    int m = f.getModifiers();
                    if (Modifier.isStatic(m)
                            || Modifier.isTransient(m)
                            || f.getType().isPrimitive()) {
                        continue;
                    }
                    f.setAccessible(true);
                    Object v;
                    try {
                        v = f.get(o);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                    if (v != null) {
                        todo.push(v);
                    }
                }
            }
        }
    }
}
