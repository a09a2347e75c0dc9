"""The policy expression language: a small, safe subset of Python over facts and parameters.

    months_without_income >= 3 and not unemployment_insured
    params.min_living_standard_monthly * 3
    min(transport_cost, 800) if poverty_alleviated else 0

Allowed: literals (numbers, strings, True/False, `date("2022-02-03")`), names of facts,
`params.NAME`, arithmetic (+ - * /), comparisons (chained too), `and`/`or`/`not`, `in`/`not in`
a literal tuple, conditional expressions, and the functions min, max, round, abs. Nothing else
parses. Types are checked when the pack loads: a bad expression fails with its line, column and a
plain reason.

One expression is used two ways with the same meaning:
- `evaluate(env)` in Python, with Decimal arithmetic and three-valued logic (an unknown fact makes
  a comparison unknown; `False and unknown` is False), recording every fact and parameter read;
- `to_django(...)` as a Django query expression, so a whole population is screened in SQL, where
  NULL gives the same three-valued logic.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

BOOL, NUMBER, DATE, TEXT = "bool", "number", "date", "text"
TYPES = (BOOL, NUMBER, DATE, TEXT)
FUNCTIONS = {"min", "max", "round", "abs", "date"}


class ExpressionError(ValueError):
    """A rejected expression. `line` and `column` are 1-based within the expression text."""

    def __init__(self, message: str, *, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Reads:
    facts: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Nodes. Each knows its type, how to evaluate itself and how to become a Django expression.
# ---------------------------------------------------------------------------------------------


class Node:
    type: str

    def evaluate(self, env: Env) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def django(self, ctx: SqlContext):  # pragma: no cover - abstract
        raise NotImplementedError

    def names(self) -> set[str]:
        return set()

    def params(self) -> set[str]:
        return set()


@dataclass
class Const(Node):
    value: Any
    type: str

    def evaluate(self, env):
        return self.value

    def django(self, ctx):
        return ctx.value(self.value, self.type)


@dataclass
class Fact(Node):
    name: str
    type: str

    def evaluate(self, env):
        value = env.facts.get(self.name)
        env.reads.facts[self.name] = value
        return value

    def django(self, ctx):
        return ctx.fact(self.name)

    def names(self):
        return {self.name}


@dataclass
class Param(Node):
    name: str
    type: str

    def evaluate(self, env):
        value = env.params.get(self.name)
        env.reads.params[self.name] = value
        return value

    def django(self, ctx):
        return ctx.param(self.name, self.type)

    def params(self):
        return {self.name}


@dataclass
class Not(Node):
    operand: Node
    type: str = BOOL

    def evaluate(self, env):
        value = self.operand.evaluate(env)
        return None if value is None else not value

    def django(self, ctx):
        return ctx.not_(self.operand.django(ctx))

    def names(self):
        return self.operand.names()

    def params(self):
        return self.operand.params()


@dataclass
class Neg(Node):
    operand: Node
    type: str = NUMBER

    def evaluate(self, env):
        value = self.operand.evaluate(env)
        return None if value is None else -value

    def django(self, ctx):
        return ctx.arith("-", ctx.value(Decimal(0), NUMBER), self.operand.django(ctx))

    def names(self):
        return self.operand.names()

    def params(self):
        return self.operand.params()


class _Many(Node):
    items: list[Node]

    def names(self):
        return set().union(*(i.names() for i in self.items))

    def params(self):
        return set().union(*(i.params() for i in self.items))


@dataclass
class BoolOp(_Many):
    op: str  # "and" / "or"
    items: list[Node]
    type: str = BOOL

    def evaluate(self, env):
        # Kleene logic; every operand is evaluated so the trace lists all that was read.
        values = [i.evaluate(env) for i in self.items]
        if self.op == "and":
            if any(v is False for v in values):
                return False
            return None if any(v is None for v in values) else True
        if any(v is True for v in values):
            return True
        return None if any(v is None for v in values) else False

    def django(self, ctx):
        return ctx.boolop(self.op, [i.django(ctx) for i in self.items])


@dataclass
class Arith(_Many):
    op: str
    items: list[Node]  # exactly two
    type: str = NUMBER

    def evaluate(self, env):
        a, b = (i.evaluate(env) for i in self.items)
        if a is None or b is None:
            return None
        a, b = Decimal(a), Decimal(b)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if b == 0:
            return None  # division by zero is "cannot tell", never a crash
        return a / b

    def django(self, ctx):
        return ctx.arith(self.op, *(i.django(ctx) for i in self.items))


@dataclass
class Compare(_Many):
    op: str  # == != < <= > >=
    items: list[Node]  # two
    type: str = BOOL

    def evaluate(self, env):
        a, b = (i.evaluate(env) for i in self.items)
        if a is None or b is None:
            return None
        return {
            "==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
        }[self.op]

    def django(self, ctx):
        return ctx.compare(self.op, *(i.django(ctx) for i in self.items))


@dataclass
class Member(_Many):
    negate: bool
    items: list[Node]  # [needle]
    choices: tuple
    type: str = BOOL

    def evaluate(self, env):
        value = self.items[0].evaluate(env)
        if value is None:
            return None
        return (value in self.choices) != self.negate

    def django(self, ctx):
        return ctx.member(self.items[0].django(ctx), self.choices, self.items[0].type, self.negate)


@dataclass
class IfElse(_Many):
    items: list[Node]  # test, then, else
    type: str

    def evaluate(self, env):
        test, then, other = self.items
        cond = test.evaluate(env)
        if cond is None:
            # Both sides are read, so what is recorded names everything the answer may need.
            then.evaluate(env)
            other.evaluate(env)
            return None
        # Only the branch taken is read: a parameter of the other branch does not make the
        # answer "waiting for a value" ("the grade 4 amount is not entered" for a grade 5).
        return then.evaluate(env) if cond else other.evaluate(env)

    def django(self, ctx):
        test, then, other = (i.django(ctx) for i in self.items)
        return ctx.if_else(test, then, other, self.type)


@dataclass
class Func(_Many):
    name: str
    items: list[Node]
    type: str

    def evaluate(self, env):
        values = [i.evaluate(env) for i in self.items]
        if any(v is None for v in values):
            return None
        if self.name == "min":
            return min(values)
        if self.name == "max":
            return max(values)
        if self.name == "abs":
            return abs(Decimal(values[0]))
        # round: half up to `places` decimals (0 by default), the way amounts are rounded.
        places = int(values[1]) if len(values) > 1 else 0
        return Decimal(values[0]).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def django(self, ctx):
        return ctx.func(self.name, [i.django(ctx) for i in self.items], self.type)


# ---------------------------------------------------------------------------------------------
# Parsing and type checking
# ---------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, facts: Mapping[str, str], params: Mapping[str, str]):
        self.facts = facts
        self.param_types = params

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        return ExpressionError(message, line=getattr(node, "lineno", 1), column=getattr(node, "col_offset", 0) + 1)

    def build(self, node: ast.AST) -> Node:
        method = getattr(self, "n_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"'{_describe(node)}' is not allowed in a policy expression")
        return method(node)

    def n_Expression(self, node):
        return self.build(node.body)

    def n_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            return Const(value, BOOL)
        if isinstance(value, int):
            return Const(Decimal(value), NUMBER)
        if isinstance(value, float):
            return Const(Decimal(repr(value)), NUMBER)
        if isinstance(value, str):
            return Const(value, TEXT)
        raise self.fail(node, f"the literal {value!r} is not allowed")

    def n_Name(self, node):
        if node.id in ("True", "False"):
            return Const(node.id == "True", BOOL)
        if node.id == "params":
            raise self.fail(node, "write params.NAME to read a parameter")
        if node.id not in self.facts:
            raise self.fail(node, f"unknown fact '{node.id}'")
        return Fact(node.id, self.facts[node.id])

    def n_Attribute(self, node):
        if not (isinstance(node.value, ast.Name) and node.value.id == "params"):
            raise self.fail(node, "only params.NAME may use a dot")
        if node.attr not in self.param_types:
            raise self.fail(node, f"unknown parameter 'params.{node.attr}'")
        return Param(node.attr, self.param_types[node.attr])

    def n_UnaryOp(self, node):
        operand = self.build(node.operand)
        if isinstance(node.op, ast.Not):
            self.expect(node.operand, operand, BOOL, "'not' needs a true/false value")
            return Not(operand)
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            self.expect(node.operand, operand, NUMBER, "a sign needs a number")
            if isinstance(operand, Const):
                return Const(-operand.value if isinstance(node.op, ast.USub) else operand.value, NUMBER)
            return Neg(operand) if isinstance(node.op, ast.USub) else operand
        raise self.fail(node, f"the operator '{_describe(node.op)}' is not allowed")

    def n_BoolOp(self, node):
        items = [self.build(v) for v in node.values]
        for raw, item in zip(node.values, items, strict=True):
            self.expect(raw, item, BOOL, "'and'/'or' join true/false values")
        return BoolOp("and" if isinstance(node.op, ast.And) else "or", items)

    def n_BinOp(self, node):
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
        op = ops.get(type(node.op))
        if op is None:
            raise self.fail(node, f"the operator '{_describe(node.op)}' is not allowed (use + - * /)")
        left, right = self.build(node.left), self.build(node.right)
        self.expect(node.left, left, NUMBER, f"'{op}' needs numbers, not {left.type}")
        self.expect(node.right, right, NUMBER, f"'{op}' needs numbers, not {right.type}")
        return Arith(op, [left, right])

    def n_Compare(self, node):
        ops = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
        parts: list[Node] = []
        left: Node | None = self.build(node.left)
        for op_node, right_raw in zip(node.ops, node.comparators, strict=True):
            if isinstance(op_node, (ast.In, ast.NotIn)):
                parts.append(self.member(node, left, right_raw, isinstance(op_node, ast.NotIn)))
                left = None  # a membership test ends a chain
                continue
            op = ops.get(type(op_node))
            if op is None:
                raise self.fail(node, f"the comparison '{_describe(op_node)}' is not allowed")
            right = self.build(right_raw)
            if left is None:
                raise self.fail(node, "'in' cannot be chained")
            if left.type != right.type:
                raise self.fail(right_raw, f"cannot compare {left.type} with {right.type}")
            if op not in ("==", "!=") and left.type in (BOOL, TEXT):
                raise self.fail(node, f"'{op}' needs numbers or dates, not {left.type}")
            parts.append(Compare(op, [left, right]))
            left = right
        return parts[0] if len(parts) == 1 else BoolOp("and", parts)

    def member(self, node, needle: Node | None, raw, negate: bool) -> Node:
        if needle is None:
            raise self.fail(node, "'in' cannot be chained")
        if not isinstance(raw, (ast.Tuple, ast.List, ast.Set)):
            raise self.fail(raw, "'in' needs a list of literals, e.g. x in (\"a\", \"b\")")
        choices = []
        for elt in raw.elts:
            const = self.build(elt)
            if not isinstance(const, Const):
                raise self.fail(elt, "'in' needs a list of literals")
            if const.type != needle.type:
                raise self.fail(elt, f"cannot look for {needle.type} among {const.type}")
            choices.append(const.value)
        if not choices:
            raise self.fail(raw, "'in' needs at least one value")
        return Member(negate, [needle], tuple(choices))

    def n_IfExp(self, node):
        test, then, other = self.build(node.test), self.build(node.body), self.build(node.orelse)
        self.expect(node.test, test, BOOL, "the condition of 'if' must be true/false")
        if then.type != other.type:
            raise self.fail(node, f"both branches must have one type, not {then.type} and {other.type}")
        return IfElse([test, then, other], then.type)

    def n_Call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self.fail(node, f"only {', '.join(sorted(FUNCTIONS))} may be called")
        if node.keywords:
            raise self.fail(node, "functions take no keyword arguments here")
        name = node.func.id
        if name == "date":
            if len(node.args) != 1 or not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                raise self.fail(node, 'write a date as date("YYYY-MM-DD")')
            try:
                return Const(dt.date.fromisoformat(node.args[0].value), DATE)
            except ValueError:
                raise self.fail(node, f"'{node.args[0].value}' is not a date (YYYY-MM-DD)") from None
        args = [self.build(a) for a in node.args]
        if name in ("min", "max"):
            if len(args) < 2:
                raise self.fail(node, f"{name}() needs at least two values")
            kinds = {a.type for a in args}
            if len(kinds) != 1 or kinds & {BOOL, TEXT}:
                raise self.fail(node, f"{name}() needs numbers (or dates) of one type")
            return Func(name, args, args[0].type)
        if name == "abs":
            if len(args) != 1:
                raise self.fail(node, "abs() takes one number")
            self.expect(node.args[0], args[0], NUMBER, "abs() takes a number")
            return Func(name, args, NUMBER)
        if not 1 <= len(args) <= 2:
            raise self.fail(node, "round() takes a number and optionally how many decimals")
        self.expect(node.args[0], args[0], NUMBER, "round() takes a number")
        if len(args) == 2 and not (isinstance(args[1], Const) and args[1].type == NUMBER
                                   and args[1].value == int(args[1].value) and 0 <= args[1].value <= 4):
            raise self.fail(node.args[1], "round()'s decimals must be a whole number from 0 to 4")
        return Func(name, args, NUMBER)

    def expect(self, raw, node: Node, kind: str, message: str) -> None:
        if node.type != kind:
            raise self.fail(raw, message)


def _describe(node: ast.AST) -> str:
    return {
        "Lambda": "lambda", "Subscript": "[...]", "ListComp": "comprehension", "Await": "await",
        "NamedExpr": ":=", "JoinedStr": "f-string", "Pow": "**", "Mod": "%", "FloorDiv": "//",
        "Is": "is", "IsNot": "is not", "Starred": "*", "Dict": "{...}", "BitAnd": "&", "BitOr": "|",
    }.get(type(node).__name__, type(node).__name__)


@dataclass
class Expression:
    """A checked expression. `source` is kept for display and for error messages."""

    source: str
    root: Node

    @property
    def type(self) -> str:
        return self.root.type

    def facts(self) -> set[str]:
        return self.root.names()

    def params(self) -> set[str]:
        return self.root.params()

    def evaluate(self, facts: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[Any, Reads]:
        env = Env(facts=facts, params=params)
        return self.root.evaluate(env), env.reads

    def to_django(self, ctx: SqlContext):
        return self.root.django(ctx)


@dataclass
class Env:
    facts: Mapping[str, Any]
    params: Mapping[str, Any]
    reads: Reads = field(default_factory=Reads)


MAX_LENGTH = 2000


def parse(source: str, *, facts: Mapping[str, str], params: Mapping[str, str], expect: str | None = None) -> Expression:
    """Parse and type-check. `facts` and `params` map names to types; `expect` the result type."""
    text = str(source).strip()
    if not text:
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", line=exc.lineno or 1, column=exc.offset or 1) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("the expression cannot be read") from None
    try:
        root = _Checker(facts, params).build(tree)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    if expect is not None and root.type != expect:
        raise ExpressionError(f"the expression gives {root.type}, but {expect} is needed")
    return Expression(text, root)


# ---------------------------------------------------------------------------------------------
# SQL: a context turns nodes into Django expressions over one subject's queryset.
# ---------------------------------------------------------------------------------------------


class SqlContext:
    """Builds Django expressions. `fact(name)` returns the fact's expression over the subject;
    `param(name, type)` the parameter's value (possibly a CASE over regions)."""

    def __init__(self, fact: Callable[[str], Any], param: Callable[[str, str], Any]):
        self._fact = fact
        self._param = param

    # Leaves
    def fact(self, name):
        return self._fact(name)

    def param(self, name, kind):
        return self._param(name, kind)

    def value(self, value, kind):
        from django.db.models import BooleanField, DateField, TextField, Value

        if kind == NUMBER:
            return Value(Decimal(value), output_field=_decimal_field())
        return Value(value, output_field={BOOL: BooleanField, DATE: DateField, TEXT: TextField}[kind]())

    # Combinators
    def not_(self, expr):
        from django.db.models import BooleanField, ExpressionWrapper, Q

        return ExpressionWrapper(~Q(expr), output_field=BooleanField())

    def boolop(self, op, exprs):
        from django.db.models import BooleanField, ExpressionWrapper, Q

        q = Q(exprs[0])
        for e in exprs[1:]:
            q = (q & Q(e)) if op == "and" else (q | Q(e))
        return ExpressionWrapper(q, output_field=BooleanField())

    def arith(self, op, a, b):
        from django.db.models.expressions import CombinedExpression

        if op == "/":
            from django.db.models.functions import NullIf

            b = NullIf(b, self.value(Decimal(0), NUMBER))
        return CombinedExpression(a, op, b, output_field=_decimal_field())

    def compare(self, op, a, b):
        from django.db.models import BooleanField, ExpressionWrapper, Q
        from django.db.models.lookups import (
            Exact,
            GreaterThan,
            GreaterThanOrEqual,
            LessThan,
            LessThanOrEqual,
        )

        lookup = {"==": Exact, "<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual}
        if op == "!=":
            return ExpressionWrapper(~Q(Exact(a, b)), output_field=BooleanField())
        return ExpressionWrapper(Q(lookup[op](a, b)), output_field=BooleanField())

    def member(self, needle, choices, kind, negate):
        from django.db.models import BooleanField, ExpressionWrapper, Q
        from django.db.models.lookups import In

        q = Q(In(needle, list(choices)))
        return ExpressionWrapper(~q if negate else q, output_field=BooleanField())

    def if_else(self, test, then, other, kind):
        from django.db.models import Case, Q, When

        # SQL CASE treats an unknown test as false; "unknown" must stay unknown.
        return Case(When(Q(test), then=then), When(~Q(test), then=other), default=None,
                    output_field=_output(kind))

    def func(self, name, args, kind):
        from django.db.models import Case, Q, When
        from django.db.models.functions import Abs, Greatest, Least, Round
        from django.db.models.lookups import IsNull

        if name == "abs":
            return Abs(args[0], output_field=_decimal_field())
        if name == "round":
            places = int(self_value(args[1])) if len(args) > 1 else 0
            # Half away from zero on both SQLite and PostgreSQL numeric: the same as Python's
            # ROUND_HALF_UP for the non-negative amounts policies produce.
            return Round(args[0], places, output_field=_decimal_field())
        # LEAST/GREATEST return NULL for any NULL argument on SQLite but skip NULLs on PostgreSQL:
        # make "unknown in, unknown out" explicit for both.
        any_null = Q()
        for a in args:
            any_null |= Q(IsNull(a, True))
        combined = (Least if name == "min" else Greatest)(*args, output_field=_output(kind))
        return Case(When(any_null, then=None), default=combined, output_field=_output(kind))


def self_value(expr) -> Any:
    """The literal inside a Value() (round()'s decimals are checked to be a literal)."""
    return expr.value


def _decimal_field():
    from django.db.models import DecimalField

    return DecimalField(max_digits=20, decimal_places=6)


def _output(kind):
    from django.db.models import BooleanField, DateField, TextField

    return {BOOL: BooleanField(), NUMBER: _decimal_field(), DATE: DateField(), TEXT: TextField()}[kind]




# ---------------------------------------------------------------------------------------------
# Native date parts. Django compiles ExtractYear/Month/Day and `field__month__gt` lookups on
# SQLite to a Python function called once per row (django_date_extract), which dominated a
# million-row scan (4 s of 5). SQLite stores a DateField as 'YYYY-MM-DD' text, so the parts are a
# substr() away. `native_dates(expr, model)` rewrites a fact's expression tree before the query
# is built; the meaning is unchanged (the equivalence property test compares the rewritten SQL
# with the one-row evaluation), and on PostgreSQL the SQL is Django's own EXTRACT.
# ---------------------------------------------------------------------------------------------

DATE_PARTS = {"year": (1, 4), "month": (6, 2), "day": (9, 2)}


def _date_part_class():
    from django.db.models import DateField, DateTimeField
    from django.db.models.functions import Extract

    class DatePart(Extract):
        def as_sqlite(self, compiler, connection, **extra_context):
            field = getattr(self.lhs, "output_field", None)
            if isinstance(field, DateField) and not isinstance(field, DateTimeField):
                sql, params = compiler.compile(self.lhs)
                start, length = DATE_PARTS[self.lookup_name]
                return f"CAST(substr({sql}, {start}, {length}) AS INTEGER)", params
            return super().as_sql(compiler, connection, **extra_context)

    return DatePart


_DATE_PART = None


def date_part(expr, part: str):
    """YEAR/MONTH/DAY of a date expression, computed natively by the database."""
    global _DATE_PART
    if _DATE_PART is None:
        _DATE_PART = _date_part_class()
    return _DATE_PART(expr, part)


def _is_date_path(model, parts: list[str]) -> bool:
    from django.core.exceptions import FieldDoesNotExist
    from django.db.models import DateField, DateTimeField

    field = None
    for name in parts:
        if model is None:
            return False
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        model = field.related_model if field.is_relation else None
    return isinstance(field, DateField) and not isinstance(field, DateTimeField)


def native_dates(expr, model):
    """`expr` with every date-part extraction over a date column of `model` made native."""
    from django.db.models import F, Q, Subquery
    from django.db.models.functions import Extract
    from django.db.models.lookups import (
        Exact,
        GreaterThan,
        GreaterThanOrEqual,
        In,
        LessThan,
        LessThanOrEqual,
    )

    lookups = {"exact": Exact, "gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan,
               "lte": LessThanOrEqual, "in": In}

    def child(c):
        if not isinstance(c, tuple):
            return walk(c)
        key, value = c
        parts = key.split("__")
        for i, name in enumerate(parts):
            if i and name in DATE_PARTS and _is_date_path(model, parts[:i]):
                rest = parts[i + 1:]
                if len(rest) > 1 or (rest and rest[0] not in lookups):
                    return c
                return lookups[rest[0] if rest else "exact"](date_part(F("__".join(parts[:i])), name), walk(value))
        return (key, walk(value))

    def walk(e):
        if isinstance(e, Q):
            return Q(*(child(c) for c in e.children), _connector=e.connector, _negated=e.negated)
        if isinstance(e, Subquery) or not hasattr(e, "get_source_expressions"):
            return e
        if isinstance(e, Extract) and e.lookup_name in DATE_PARTS and type(e) is not _DATE_PART:
            return date_part(walk(e.lhs), e.lookup_name)
        sources = e.get_source_expressions()
        if not sources:
            return e
        copy = e.copy()
        copy.set_source_expressions([walk(s) for s in sources])
        return copy

    return walk(expr)
