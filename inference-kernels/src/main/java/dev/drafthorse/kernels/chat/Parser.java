package dev.drafthorse.kernels.chat;

import dev.drafthorse.kernels.chat.Lexer.Chunk;
import dev.drafthorse.kernels.chat.Lexer.Kind;
import dev.drafthorse.kernels.chat.Lexer.T;
import dev.drafthorse.kernels.chat.Lexer.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja's grammar, recursive descent over the lexer's chunks. Statements: {@code if/elif/else}, {@code for}
 * (with a filter and {@code else}), {@code set} (names, tuples, namespace attributes, blocks), {@code macro},
 * {@code break}/{@code continue}, {@code generation}. Expression precedence, lowest first, as in Jinja:
 * {@code x if c else y}; {@code or}; {@code and}; {@code not}; comparisons and {@code in};
 * {@code + -}; {@code ~}; {@code * / // %}; {@code **}; unary {@code -}; then a primary with its
 * attributes, subscripts, calls, {@code |filters} and {@code is tests}.
 */
final class Parser {
    private static final Set<String> NOT_A_TEST_ARGUMENT = Set.of("else", "or", "and", "is", "in", "not", "if");

    private final List<Chunk> chunks;
    private int at;
    // the tokens of the tag being parsed
    private List<Token> toks;
    private int p;

    private Parser(List<Chunk> chunks) {
        this.chunks = chunks;
    }

    static List<Node> parse(String source) {
        Parser parser = new Parser(Lexer.chunks(source));
        List<Node> body = parser.body(Set.of());
        if (parser.at < parser.chunks.size()) {
            Chunk c = parser.chunks.get(parser.at);
            throw TemplateError.of(
                    "line " + c.line() + ": unexpected '" + c.text().trim() + "'");
        }
        return body;
    }

    /** Nodes up to (not including) a block tag whose keyword is in {@code ends}. */
    private List<Node> body(Set<String> ends) {
        List<Node> nodes = new ArrayList<>();
        while (at < chunks.size()) {
            Chunk c = chunks.get(at);
            if (c.kind() == Kind.TEXT) {
                nodes.add(new Node.Text(c.text()));
                at++;
            } else if (c.kind() == Kind.VAR) {
                begin(c);
                Expr e = expression();
                end();
                nodes.add(new Node.Print(e));
                at++;
            } else {
                begin(c);
                String kw = keyword();
                if (ends.contains(kw)) {
                    return nodes;
                }
                at++;
                nodes.add(statement(kw, c));
            }
        }
        if (!ends.isEmpty()) {
            throw TemplateError.of("unexpected end of template: expected one of " + ends);
        }
        return nodes;
    }

    private String keyword() {
        Token t = toks.get(0);
        if (t.type() != T.NAME) {
            throw error("expected a statement keyword");
        }
        return t.text();
    }

    private Node statement(String kw, Chunk c) {
        p = 1;
        switch (kw) {
            case "if" -> {
                return ifStatement();
            }
            case "for" -> {
                return forStatement();
            }
            case "set" -> {
                return setStatement();
            }
            case "macro" -> {
                return macroStatement();
            }
            case "break" -> {
                end();
                return new Node.Break();
            }
            case "continue" -> {
                end();
                return new Node.Continue();
            }
            case "generation" -> {
                end();
                List<Node> b = body(Set.of("endgeneration"));
                closeTag("endgeneration");
                return new Node.Block(b);
            }
            default -> throw TemplateError.of("line " + c.line() + ": unsupported or unexpected tag '" + kw + "'");
        }
    }

    private Node ifStatement() {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        conds.add(expression());
        end();
        while (true) {
            bodies.add(body(Set.of("elif", "else", "endif")));
            String kw = keyword();
            at++;
            if (kw.equals("elif")) {
                p = 1;
                conds.add(expression());
                end();
                continue;
            }
            if (kw.equals("else")) {
                p = 1;
                end();
                otherwise = body(Set.of("endif"));
                closeTag("endif");
            } else {
                p = 1;
                end();
            }
            return new Node.If(conds, bodies, otherwise);
        }
    }

    private Node forStatement() {
        List<String> targets = new ArrayList<>();
        boolean paren = accept("(");
        targets.add(name());
        while (accept(",")) {
            targets.add(name());
        }
        if (paren) {
            expect(")");
        }
        expect("in");
        Expr items = or();
        Expr filter = null;
        if (accept("if")) {
            filter = expression();
        }
        if (peek().is("recursive")) {
            throw error("recursive loops are not supported");
        }
        end();
        List<Node> b = body(Set.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (keyword().equals("else")) {
            at++;
            p = 1;
            end();
            otherwise = body(Set.of("endfor"));
        }
        closeTag("endfor");
        return new Node.For(targets, items, filter, b, otherwise);
    }

    private Node setStatement() {
        List<String> targets = new ArrayList<>();
        targets.add(name());
        String attribute = null;
        if (accept(".")) {
            attribute = name();
        } else {
            while (accept(",")) {
                targets.add(name());
            }
        }
        if (peek().type() == T.EOF && attribute == null && targets.size() == 1) {
            List<Node> b = body(Set.of("endset"));
            closeTag("endset");
            return new Node.SetBlock(targets.get(0), b);
        }
        expect("=");
        Expr value = tupleOrExpression();
        end();
        return new Node.Set(targets, attribute, value);
    }

    private Node macroStatement() {
        String name = name();
        List<String> params = new ArrayList<>();
        Map<String, Expr> defaults = new LinkedHashMap<>();
        expect("(");
        while (!accept(")")) {
            if (!params.isEmpty()) {
                expect(",");
            }
            String param = name();
            params.add(param);
            if (accept("=")) {
                defaults.put(param, expression());
            }
        }
        end();
        List<Node> b = body(Set.of("endmacro"));
        closeTag("endmacro");
        return new Node.Macro(name, params, defaults, b);
    }

    /** Consumes the closing tag the body stopped at. */
    private void closeTag(String kw) {
        Chunk c = chunks.get(at);
        begin(c);
        if (!keyword().equals(kw)) {
            throw error("expected '" + kw + "'");
        }
        p = 1;
        end();
        at++;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Expressions

    private void begin(Chunk c) {
        toks = Lexer.tokens(c.text(), c.line());
        p = 0;
    }

    private Token peek() {
        return toks.get(p);
    }

    private Token next() {
        return toks.get(p++);
    }

    private boolean accept(String op) {
        if (peek().is(op)) {
            p++;
            return true;
        }
        return false;
    }

    private void expect(String op) {
        if (!accept(op)) {
            throw error("expected '" + op + "'");
        }
    }

    private void end() {
        if (peek().type() != T.EOF) {
            throw error("unexpected '" + peek().text() + "'");
        }
    }

    private String name() {
        Token t = next();
        if (t.type() != T.NAME) {
            throw error("expected a name, found '" + t.text() + "'");
        }
        return t.text();
    }

    private TemplateError error(String message) {
        return TemplateError.of("line " + peek().line() + ": " + message);
    }

    /** {@code a, b} without brackets is a tuple (in {@code set}). */
    private Expr tupleOrExpression() {
        Expr first = expression();
        if (!peek().is(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>();
        items.add(first);
        while (accept(",")) {
            if (peek().type() == T.EOF) {
                break;
            }
            items.add(expression());
        }
        return new Expr.TupleLit(items);
    }

    Expr expression() {
        Expr e = or();
        if (accept("if")) {
            Expr cond = or();
            Expr otherwise = accept("else") ? expression() : null;
            return new Expr.Cond(e, cond, otherwise);
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (accept("or")) {
            e = new Expr.Or(e, and());
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (accept("and")) {
            e = new Expr.And(e, not());
        }
        return e;
    }

    private Expr not() {
        if (accept("not")) {
            return new Expr.Not(not());
        }
        return compare();
    }

    private Expr compare() {
        Expr e = math1();
        while (true) {
            Token t = peek();
            if (t.type() == T.OP && Set.of("==", "!=", "<", "<=", ">", ">=").contains(t.text())) {
                p++;
                e = new Expr.Binary(t.text(), e, math1());
            } else if (t.is("in")) {
                p++;
                e = new Expr.Binary("in", e, math1());
            } else if (t.is("not") && toks.get(p + 1).is("in")) {
                p += 2;
                e = new Expr.Not(new Expr.Binary("in", e, math1()));
            } else {
                return e;
            }
        }
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().type() == T.OP && (peek().is("+") || peek().is("-"))) {
            String op = next().text();
            e = new Expr.Binary(op, e, concat());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (peek().type() == T.OP && peek().is("~")) {
            p++;
            e = new Expr.Binary("~", e, math2());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().type() == T.OP && Set.of("*", "/", "//", "%").contains(peek().text())) {
            String op = next().text();
            e = new Expr.Binary(op, e, pow());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (peek().type() == T.OP && peek().is("**")) {
            p++;
            e = new Expr.Binary("**", e, unary(true));
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Expr e;
        if (peek().type() == T.OP && (peek().is("-") || peek().is("+"))) {
            boolean minus = next().is("-");
            e = new Expr.Neg(unary(false), minus);
        } else {
            e = postfix(primary());
        }
        return withFilter ? filters(e) : e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.type()) {
            case NAME -> {
                switch (t.text()) {
                    case "true", "True" -> {
                        return new Expr.Const(Boolean.TRUE);
                    }
                    case "false", "False" -> {
                        return new Expr.Const(Boolean.FALSE);
                    }
                    case "none", "None" -> {
                        return new Expr.Const(null);
                    }
                    default -> {
                        return new Expr.Name(t.text());
                    }
                }
            }
            case STRING -> {
                StringBuilder b = new StringBuilder(t.text());
                while (peek().type() == T.STRING) {
                    b.append(next().text());
                }
                return new Expr.Const(b.toString());
            }
            case INT -> {
                return new Expr.Const(Long.parseLong(t.text()));
            }
            case FLOAT -> {
                return new Expr.Const(Double.parseDouble(t.text()));
            }
            case OP -> {
                if (t.is("(")) {
                    if (accept(")")) {
                        return new Expr.TupleLit(List.of());
                    }
                    Expr e = expression();
                    if (accept(")")) {
                        return e;
                    }
                    List<Expr> items = new ArrayList<>();
                    items.add(e);
                    while (accept(",")) {
                        if (peek().is(")")) {
                            break;
                        }
                        items.add(expression());
                    }
                    expect(")");
                    return new Expr.TupleLit(items);
                }
                if (t.is("[")) {
                    List<Expr> items = new ArrayList<>();
                    while (!accept("]")) {
                        if (!items.isEmpty()) {
                            expect(",");
                            if (accept("]")) {
                                break;
                            }
                        }
                        items.add(expression());
                    }
                    return new Expr.ListLit(items);
                }
                if (t.is("{")) {
                    List<Expr> keys = new ArrayList<>();
                    List<Expr> values = new ArrayList<>();
                    while (!accept("}")) {
                        if (!keys.isEmpty()) {
                            expect(",");
                            if (accept("}")) {
                                break;
                            }
                        }
                        keys.add(expression());
                        expect(":");
                        values.add(expression());
                    }
                    return new Expr.DictLit(keys, values);
                }
                p--;
                throw error("unexpected '" + t.text() + "'");
            }
            default -> {
                p--;
                throw error("unexpected end of expression");
            }
        }
    }

    private Expr postfix(Expr e) {
        while (true) {
            if (accept(".")) {
                Token t = next();
                if (t.type() == T.NAME) {
                    e = new Expr.GetAttr(e, t.text());
                } else if (t.type() == T.INT) {
                    e = new Expr.GetItem(e, new Expr.Const(Long.parseLong(t.text())));
                } else {
                    p--;
                    throw error("expected an attribute name");
                }
            } else if (accept("[")) {
                e = subscript(e);
            } else if (peek().is("(") && peek().type() == T.OP) {
                p++;
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                arguments(args, kwargs);
                e = new Expr.Call(e, args, kwargs);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr obj) {
        Expr start = null;
        if (!peek().is(":")) {
            start = expression();
            if (accept("]")) {
                return new Expr.GetItem(obj, start);
            }
        }
        expect(":");
        Expr stop = peek().is(":") || peek().is("]") ? null : expression();
        Expr step = null;
        if (accept(":")) {
            step = peek().is("]") ? null : expression();
        }
        expect("]");
        return new Expr.Slice(obj, start, stop, step);
    }

    /** Arguments after an opening parenthesis, up to and including the closing one. */
    private void arguments(List<Expr> args, Map<String, Expr> kwargs) {
        while (!accept(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expect(",");
                if (accept(")")) {
                    return;
                }
            }
            if (peek().type() == T.NAME
                    && toks.get(p + 1).is("=")
                    && toks.get(p + 1).type() == T.OP) {
                String key = next().text();
                p++;
                kwargs.put(key, expression());
            } else {
                args.add(expression());
            }
        }
    }

    private Expr filters(Expr e) {
        while (true) {
            if (peek().type() == T.OP && peek().is("|")) {
                p++;
                String name = name();
                List<Expr> args = new ArrayList<>();
                Map<String, Expr> kwargs = new LinkedHashMap<>();
                if (peek().type() == T.OP && accept("(")) {
                    arguments(args, kwargs);
                }
                e = new Expr.Filter(e, name, args, kwargs);
            } else if (peek().type() == T.NAME && peek().is("is")) {
                p++;
                boolean negated = accept("not");
                String name = name();
                List<Expr> args = new ArrayList<>();
                Token t = peek();
                if (t.type() == T.OP && t.is("(")) {
                    p++;
                    arguments(args, new LinkedHashMap<>());
                } else if (t.type() == T.STRING
                        || t.type() == T.INT
                        || t.type() == T.FLOAT
                        || (t.type() == T.NAME && !NOT_A_TEST_ARGUMENT.contains(t.text()))) {
                    args.add(postfix(primary()));
                }
                e = new Expr.Test(e, name, args, negated);
            } else {
                return e;
            }
        }
    }
}
