package dev.drafthorse.kernels.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * C's {@code strftime} for {@code strftime_now(format)}, over a fixed date-time, in the C locale (English names),
 * with glibc's {@code %-d} style (no padding). Templates use it for "Today Date: 15 Jan 2026".
 */
final class Strftime {
    private Strftime() {}

    static String format(String fmt, LocalDateTime t) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                b.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < fmt.length()) {
                pad = false;
                d = fmt.charAt(++i);
            }
            switch (d) {
                case 'd' -> b.append(num(t.getDayOfMonth(), 2, pad));
                case 'e' ->
                    b.append(pad ? String.format("%2d", t.getDayOfMonth()) : Integer.toString(t.getDayOfMonth()));
                case 'm' -> b.append(num(t.getMonthValue(), 2, pad));
                case 'Y' -> b.append(t.getYear());
                case 'y' -> b.append(num(t.getYear() % 100, 2, pad));
                case 'H' -> b.append(num(t.getHour(), 2, pad));
                case 'I' -> b.append(num((t.getHour() + 11) % 12 + 1, 2, pad));
                case 'M' -> b.append(num(t.getMinute(), 2, pad));
                case 'S' -> b.append(num(t.getSecond(), 2, pad));
                case 'p' -> b.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> b.append(num(t.getDayOfYear(), 3, pad));
                case 'b', 'h' -> b.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> b.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> b.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'u' -> b.append(t.getDayOfWeek().getValue());
                case 'w' -> b.append(t.getDayOfWeek().getValue() % 7);
                case 'F' -> b.append(format("%Y-%m-%d", t));
                case 'D' -> b.append(format("%m/%d/%y", t));
                case 'T' -> b.append(format("%H:%M:%S", t));
                case 'R' -> b.append(format("%H:%M", t));
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case '%' -> b.append('%');
                default -> throw TemplateError.of("strftime_now: unsupported directive %" + d);
            }
        }
        return b.toString();
    }

    private static String num(int v, int width, boolean pad) {
        String s = Integer.toString(v);
        return pad && s.length() < width ? "0".repeat(width - s.length()) + s : s;
    }
}
