// Python-literal parser: every construct repr() prints, escapes, unicode, nesting, error offsets, JSON fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonOrPy, parsePyLiteral, parseRecord, PyLiteralError } from '../../src/data/pylit.js';

const py = parsePyLiteral;

test('constants and numbers', () => {
  assert.equal(py('True'), true);
  assert.equal(py('False'), false);
  assert.equal(py('None'), null);
  assert.equal(py('0'), 0);
  assert.equal(py('42'), 42);
  assert.equal(py('-7'), -7);
  assert.equal(py('+ 7'), 7);
  assert.equal(py('1_000'), 1000);
  assert.equal(py('10L'), 10); // Python 2 long
  assert.equal(py('0x1F'), 31);
  assert.equal(py('0o17'), 15);
  assert.equal(py('0b101'), 5);
  assert.equal(py('3.17'), 3.17);
  assert.equal(py('.5'), 0.5);
  assert.equal(py('5.'), 5);
  assert.equal(py('1e5'), 1e5);
  assert.equal(py('1.5E-3'), 0.0015);
  assert.equal(py('-2.5e+2'), -250);
  assert.equal(py('  12  '), 12);
});

test('strings: quotes, prefixes, triple quotes, adjacent concatenation', () => {
  assert.equal(py(`'abc'`), 'abc');
  assert.equal(py(`"it's"`), "it's");
  assert.equal(py(`u'Chaos Syren'`), 'Chaos Syren');
  assert.equal(py(`U"x"`), 'x');
  assert.equal(py(`''`), '');
  assert.equal(py(`'''a'b''c'''`), "a'b''c");
  assert.equal(py(`"""line1\nline2"""`), 'line1\nline2');
  assert.equal(py(`'ab' "cd" u'ef'`), 'abcdef');
  assert.equal(py(`r'\\d+\\''`), "\\d+\\'");
  assert.equal(py(`R"C:\\new"`), 'C:\\new');
  assert.equal(py(`b'\\x41\\xff'`), 'A\u00ff');
  assert.equal(py(`rb'\\x41'`), '\\x41');
  assert.equal(py(`b'\\u1234'`), '\\u1234'); // \u is not an escape in bytes
});

test('string escapes', () => {
  assert.equal(py(`'\\\\ \\' \\" \\a \\b \\f \\n \\r \\t \\v'`), '\\ \' " \x07 \b \f \n \r \t \v');
  assert.equal(py(`'\\101\\0\\7\\1234'`), 'A\0\x07S4'); // octal: at most 3 digits
  assert.equal(py(`'\\x41\\xe9'`), 'Aé');
  assert.equal(py(`u'\\u2019\\u00e9'`), '’é');
  assert.equal(py(`u'\\U0001F600'`), '😀');
  assert.equal(py(`u'\\ud83d\\ude00'`), '😀'); // Python 2 style surrogate pair
  assert.equal(py(`'a\\\nb'`), 'ab'); // backslash-newline continues the line
  assert.equal(py(`'\\q\\d'`), '\\q\\d'); // unknown escapes keep the backslash
  assert.equal(py(`u'caf\u00e9 \u65e5\u672c 😀'`), 'café 日本 😀'); // raw non-ASCII passes through
});

test('containers and nesting', () => {
  assert.deepEqual(py('[]'), []);
  assert.deepEqual(py('[1, 2, 3,]'), [1, 2, 3]);
  assert.deepEqual(py('()'), []);
  assert.deepEqual(py('(1,)'), [1]);
  assert.deepEqual(py('(1, 2)'), [1, 2]);
  assert.equal(py('(1)'), 1);
  assert.deepEqual(py('{}'), {});
  assert.deepEqual(py(`{1: 'a', 'b': 2.5}`), { 1: 'a', b: 2.5 });
  assert.deepEqual(py(`{'a': 1, 'a': 2}`), { a: 2 }); // the last duplicate wins
  assert.deepEqual(
    py(
      `{'asin': '0000031852', 'related': {'also_bought': ['B00JHONN1S', 'B002BZX8Z6']}, 'salesRank': {'Toys & Games': 211836}, 'categories': [['Sports & Outdoors', 'Other Sports', 'Dance']], 'price': 3.17}`,
    ),
    {
      asin: '0000031852',
      related: { also_bought: ['B00JHONN1S', 'B002BZX8Z6'] },
      salesRank: { 'Toys & Games': 211836 },
      categories: [['Sports & Outdoors', 'Other Sports', 'Dance']],
      price: 3.17,
    },
  );
  assert.deepEqual(py(`{\n  'a' : [ (1 , 2) , { } ] ,\n}`), { a: [[1, 2], {}] });
  const proto = py(`{'__proto__': {'x': 1}}`) as Record<string, unknown>;
  assert.deepEqual(Object.keys(proto), ['__proto__']);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
});

test('a Steam review line', () => {
  const line = `{u'username': u'Chaos Syren', u'hours': 0.1, u'products': 41, u'product_id': u'725280', u'page_order': 0, u'date': u'2017-12-17', u'text': u'This would not be acceptable as an entertainment even back in 1990\\'s \\u2014 "really"', u'early_access': False, u'page': 1}`;
  assert.deepEqual(py(line), {
    username: 'Chaos Syren',
    hours: 0.1,
    products: 41,
    product_id: '725280',
    page_order: 0,
    date: '2017-12-17',
    text: 'This would not be acceptable as an entertainment even back in 1990\'s \u2014 "really"',
    early_access: false,
    page: 1,
  });
});

function offsetOf(text: string): number {
  try {
    py(text);
  } catch (e) {
    assert.ok(e instanceof PyLiteralError, `expected a PyLiteralError, got ${String(e)}`);
    assert.match(e.message, new RegExp(`at offset ${e.offset}$`));
    return e.offset;
  }
  assert.fail(`no error for ${text}`);
}

test('errors carry the character offset', () => {
  assert.equal(offsetOf(`{'a' 1}`), 5);
  assert.equal(offsetOf(`{'a': 1,, 'b': 2}`), 8);
  assert.equal(offsetOf(`[1, 2`), 5);
  assert.equal(offsetOf(`{'a': 'b`), 6); // unterminated string: its start
  assert.equal(offsetOf(`'a\nb'`), 0); // a newline inside a one-line string
  assert.equal(offsetOf(`{'a': 1} x`), 9);
  assert.equal(offsetOf(`[1, nan]`), 4);
  assert.equal(offsetOf(`[true]`), 1);
  assert.equal(offsetOf(`012`), 0);
  assert.equal(offsetOf(`1j`), 0);
  assert.equal(offsetOf(`--1`), 0);
  assert.equal(offsetOf(`'\\x4g'`), 1);
  assert.equal(offsetOf(`u'\\u12'`), 2);
  assert.equal(offsetOf(`u'\\U00110000'`), 2);
  assert.equal(offsetOf(`u'\\N{BULLET}'`), 2);
  assert.equal(offsetOf(`{[1]: 2}`), 1);
  assert.equal(offsetOf(`'a' b'c'`), 4);
  assert.equal(offsetOf(`{1, 2}`), 2); // sets are not supported
  assert.equal(offsetOf(``), 0);
  assert.equal(offsetOf('['.repeat(5000)), 1001);
});

test('parseJsonOrPy: JSON lines, Python lines, and JSON-only spellings', () => {
  const json = `{"reviewerID": "A2SUAM1J3GNN3B", "asin": "0000013714", "overall": 5.0, "verified": true, "vote": null, "text": "caf\\u00e9 \\/ ok"}`;
  assert.deepEqual(parseJsonOrPy(json), {
    reviewerID: 'A2SUAM1J3GNN3B',
    asin: '0000013714',
    overall: 5,
    verified: true,
    vote: null,
    text: 'café / ok',
  });
  assert.deepEqual(parseJsonOrPy(`{"a": True, "b": None}`), { a: true, b: null });
  assert.deepEqual(parseJsonOrPy(`{u'a': [1]}`), { a: [1] });
  assert.deepEqual(parseJsonOrPy(`[true, false]`), [true, false]);
  assert.throws(() => parseJsonOrPy(`{"a": }`), PyLiteralError);
  assert.throws(() => parseRecord(`[1, 2]`), /expected a dict/);
  assert.deepEqual(parseRecord(`{'a': 1}`), { a: 1 });
});
