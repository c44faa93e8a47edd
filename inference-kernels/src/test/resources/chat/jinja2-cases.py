# Made src/test/resources/chat/jinja2-cases.json with Jinja2 3.1.6 (python3 jinja2-cases.py > jinja2-cases.json):
# the settings of transformers.apply_chat_template, as an oracle for Jinja semantics beyond shared/chat.
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment as E
from jinja2.ext import loopcontrols
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
e=E(trim_blocks=True,lstrip_blocks=True,extensions=[loopcontrols])
e.filters['tojson']=tojson
msgs=[{"role":"system","content":"  Be brief.\n"},{"role":"user","content":"Hi <|im_end|> there"},{"role":"assistant","content":"<think>\nhmm\n</think>\n\nHello"}]
cases = [
 "{% for m in messages %}{{ loop.index }}/{{ loop.length }}:{{ m.role }}{% if not loop.last %}, {% endif %}{% endfor %}",
 "  {% if true %}\n  a\n  {% endif %}\n  {{- 'b' }}  {# c #}\nz\n",
 "{%+ if true %}\n  x{% endif +%}\ny",
 "{% set x = 0 %}{% for i in [1,2,3] %}[{{x}}]{% set x = i %}({{x}}){% endfor %}{{x}}",
 "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
 "{% for m in messages[::-1] %}{{ m.role[:1] }}{% endfor %}|{{ messages[-1].content[-5:] }}|{{ 'abcdef'[1:5:2] }}",
 "{% for m in messages %}{% if m.role == 'user' %}{% continue %}{% endif %}{{ m.role }};{% if m.role == 'assistant' %}{% break %}{% endif %}{% endfor %}",
 "{{ messages[0].content|trim }}|{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip('\\n') }}",
 "{{ messages[2].content.split('</think>')[-1].lstrip('\\n') }}|{{ messages[2].content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
 "{{ messages|selectattr('role', 'equalto', 'user')|list|length }}{{ messages|map(attribute='role')|join(',') }}{{ messages|rejectattr('role','in',['user','system'])|map(attribute='role')|first }}",
 "{{ {'a': [1, 'é\"', none, true, 1.5], 'b': {}}|tojson }}|{{ [1,{'x':[]}]|tojson(indent=2) }}",
 "{{ 7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 3 / 2 }} {{ 1 == 1.0 }} {{ 'a' ~ 1 ~ none }} {{ 'ab' * 2 }} {{ [1] + [2] }}",
 "{{ x is defined }}{{ messages is iterable }}{{ 'a' is string }}{{ none is none }}{{ 3 is odd }}{{ 4 is divisibleby 2 }}{{ {} is mapping }}{{ false is false }}{{ 1 is number }}",
 "{{ 'Hello World'.upper() }}{{ 'abc'.replace('b', 'XY') }}{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'x'.startswith(('y','x')) }}{{ 'hello'.title() }}",
 "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C') }}",
 "{% set s %}inner {{ 1 + 1 }}{% endset %}[{{ s }}]",
 "{% for k, v in {'a': 1, 'b': 2, 'c': 3}.items() if k != 'b' %}{{ k }}={{ v }}{{ loop.index }} {% else %}empty{% endfor %}{% for x in [] %}x{% else %}E{% endfor %}",
 "{{ 'yes' if messages else 'no' }}{{ 'a' if false }}|{{ none }}|{{ true }}|{{ 1.0 }}|{{ [1, 'a', none] }}|{{ {'k': 'v'} }}",
 "{{ messages|length }}{{ 'héllo'|length }}{{ [3,1,2]|sort }}{{ [3,1,2]|max }}{{ [1,2,3]|sum }}{{ 'abc'|reverse }}{{ [1,1,2]|unique|list }}",
 "{{ (messages|last).role }}{{ messages[0]['role'] }}{{ messages[0].get('missing', 'dflt') }}{{ messages[0].missing is defined }}",
 "{%- if messages[0]['role'] == 'system' -%}\n    {%- set sys = messages[0]['content'] -%}\n{%- endif -%}\n[{{ sys }}]\n\n{{- 'end' -}}\n  ",
 "{{ '%d' }}{{ range(3)|list }}{{ range(1, 7, 2)|list }}{{ 'a\\tb\\u00e9\\x41' }}{{ \"it's\" }}",
 "{% for m in messages %}{{ loop.previtem.role if loop.previtem is defined else '-' }}>{{ loop.nextitem.role if loop.nextitem is defined else '-' }} {% endfor %}",
 "{{ 'x' in 'xyz' }}{{ 'q' not in 'xyz' }}{{ 'role' in messages[0] }}{{ 2 in [1,2] }}{{ not 'a' == 'b' }}",
 "{{ messages[0].content|default('d') }}{{ undefined_var|default('d') }}{{ ''|default('e', true) }}{{ 3.7|int }}{{ '42'|int + 1 }}{{ 2|float }}",
 "a {% raw %}{{ x }}{% endraw %} b|a\n  {%- raw -%}  {{ x }}  {%- endraw %}\nb|{% raw %}\n{% if %}\n{% endraw %}\nz",
 "{{ '%s=%d %r %5.2f %%'|format('a', 3, 'q', 2.5) }}|{{ '%-4s|%03d'|format('ab', 7) }}",
 "{{ {'k': 'é🙂', 'n': [1, 2]}|tojson(ensure_ascii=True) }}|{{ {'k': [1, 2]}|tojson(separators=(',', ':')) }}|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}",
 "{% for m in messages if m.role != 'system' %}{{ loop.index }}{{ loop.cycle('a', 'b') }}{% endfor %}|{{ messages[1:]|map(attribute='role')|list }}|{{ messages[0] is sequence }}",
 "{{ dict(a=1, b='x')|items|list }}|{{ {'b': 2, 'a': 1}|dictsort }}|{{ messages|selectattr('role', 'ne', 'user')|map(attribute='role')|join('+') }}",
 "{%- for m in messages -%}\n  {{- m.role -}}\n  {%- if not loop.last %}, {% endif -%}\n{%- endfor %}\n{{ 'x' if messages|length > 2 else 'y' }}\n",
 "{{ 'ab'.startswith('a') and not 'ab'.endswith('a') }}{{ 'a-b-c'.split('-', 1) }}{{ '  x '|trim|length }}{{ 'x,y'.replace(',', '') }}{{ 'Hello'[1:-1] }}{{ 'ABC'.lower() }}{{ [3, 1]|sort(reverse=true) }}",
]
errors = [
 "{{ raise_exception('Custom: ' + messages[0].role) }}",
 "{{ undefined_var + 'a' }}",
 "{{ 'a' + 1 }}",
 "{{ undefined_var.attr }}",
]
out={"messages":msgs,"cases":[],"errors":[]}
for c in cases:
    out["cases"].append({"template":c,"rendered":e.from_string(c).render(messages=msgs)})
for c in errors:
    try:
        e.from_string(c).render(messages=msgs, raise_exception=lambda m: (_ for _ in ()).throw(Exception(m)))
        out["errors"].append({"template":c,"error":None})
    except Exception as ex:
        out["errors"].append({"template":c,"error":str(ex)})
print(json.dumps(out, ensure_ascii=False, indent=1))
