package dev.drafthorse.hive;

import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.serde2.objectinspector.ConstantObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector.Category;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;

/**
 * The checks every function's {@code initialize} makes: arity, then each argument's category and type,
 * each failure a {@link UDFArgumentTypeException} at the argument's position that names the function, the
 * argument and the type it got. Also reads constant arguments (literals folded by the planner), so that
 * functions can check them before any row arrives.
 */
final class Arguments {
    private Arguments() {}

    static void arity(String function, String signature, ObjectInspector[] args, int min, int max)
            throws UDFArgumentLengthException {
        if (args.length < min || args.length > max) {
            String want = min == max ? Integer.toString(min) : min + " to " + max;
            throw new UDFArgumentLengthException(
                    function + " takes " + want + " arguments, got " + args.length + ": " + signature);
        }
    }

    static void atLeast(String function, String signature, ObjectInspector[] args, int min)
            throws UDFArgumentLengthException {
        if (args.length < min) {
            throw new UDFArgumentLengthException(
                    function + " takes at least " + min + " arguments, got " + args.length + ": " + signature);
        }
    }

    /** A STRING, VARCHAR or CHAR argument. */
    static PrimitiveObjectInspector string(String function, ObjectInspector[] args, int i, String name)
            throws UDFArgumentTypeException {
        if (!isString(args[i])) {
            throw new UDFArgumentTypeException(
                    i,
                    function + ": argument " + (i + 1) + " (" + name + ") must be a string, got "
                            + args[i].getTypeName());
        }
        return (PrimitiveObjectInspector) args[i];
    }

    /** A TINYINT, SMALLINT, INT or BIGINT argument. */
    static PrimitiveObjectInspector integer(String function, ObjectInspector[] args, int i, String name)
            throws UDFArgumentTypeException {
        ObjectInspector oi = args[i];
        if (oi.getCategory() == Category.PRIMITIVE) {
            switch (((PrimitiveObjectInspector) oi).getPrimitiveCategory()) {
                case BYTE, SHORT, INT, LONG -> {
                    return (PrimitiveObjectInspector) oi;
                }
                default -> {}
            }
        }
        throw new UDFArgumentTypeException(
                i, function + ": argument " + (i + 1) + " (" + name + ") must be an integer, got " + oi.getTypeName());
    }

    static boolean isString(ObjectInspector oi) {
        if (oi.getCategory() != Category.PRIMITIVE) {
            return false;
        }
        return switch (((PrimitiveObjectInspector) oi).getPrimitiveCategory()) {
            case STRING, VARCHAR, CHAR -> true;
            default -> false;
        };
    }

    /**
     * A number Hive can widen to DOUBLE: TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE or DECIMAL, or an
     * untyped NULL literal (VOID), which is always NULL.
     */
    static boolean isNumber(ObjectInspector oi) {
        if (oi.getCategory() != Category.PRIMITIVE) {
            return false;
        }
        return switch (((PrimitiveObjectInspector) oi).getPrimitiveCategory()) {
            case BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, DECIMAL, VOID -> true;
            default -> false;
        };
    }

    static boolean isConstant(ObjectInspector oi) {
        return oi instanceof ConstantObjectInspector;
    }

    /** The constant's value as a string, or null when the argument is not constant or is a null constant. */
    static String constantString(ObjectInspector oi) {
        if (!(oi instanceof ConstantObjectInspector c) || !(oi instanceof PrimitiveObjectInspector p)) {
            return null;
        }
        Object v = c.getWritableConstantValue();
        return v == null ? null : PrimitiveObjectInspectorUtils.getString(v, p);
    }

    /** The constant's value as a long, or null when the argument is not constant or is a null constant. */
    static Long constantLong(ObjectInspector oi) {
        if (!(oi instanceof ConstantObjectInspector c) || !(oi instanceof PrimitiveObjectInspector p)) {
            return null;
        }
        Object v = c.getWritableConstantValue();
        return v == null ? null : PrimitiveObjectInspectorUtils.getLong(v, p);
    }

    /** An int-valued argument out of its range: the failure names the function, argument and value. */
    static int intInRange(String function, String name, long value, int min) throws UDFArgumentException {
        if (value < min || value > Integer.MAX_VALUE) {
            throw new UDFArgumentException(function + ": " + name + " must be an integer >= " + min + ", got " + value);
        }
        return (int) value;
    }
}
