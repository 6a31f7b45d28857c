"""Unit tests of tests/grade (run by tests/grading/grade_unit.bats): TAP parsing,
scoring, the warning cap, the points file and its validation, the JUnit writer, the
build hints.  python3 tests/grading/grade_unit.py runs them alone."""

import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
_loader = importlib.machinery.SourceFileLoader("grade", os.path.join(HERE, "..", "grade"))
_spec = importlib.util.spec_from_loader("grade", _loader)
grade = importlib.util.module_from_spec(_spec)
_loader.exec_module(grade)


def results(*states, prop="service"):
    return [grade.TestResult(i + 1, f"{prop}: t{i + 1}", s) for i, s in enumerate(states)]


class Tap(unittest.TestCase):
    def test_passes_failures_and_diagnostics(self):
        r = grade.parse_tap("1..3\nok 1 usage: a\nnot ok 2 service: b\n# (in test file x.bats, line 9)\n"
                            "#   `false' failed\n# expected: hello\nok 3 protocol: c # in 12 ms\n")
        self.assertEqual(r.plan, 3)
        self.assertEqual([t.state for t in r.tests], ["pass", "fail", "pass"])
        self.assertEqual(r.tests[1].name, "service: b")
        self.assertIn("expected: hello", r.tests[1].diag)
        self.assertEqual(r.tests[2].name, "protocol: c")
        self.assertFalse(r.truncated)

    def test_skip_with_and_without_reason(self):
        r = grade.parse_tap("1..3\nok 1 families: a # skip no IPv6 on this host\nok 2 b # SKIP\n"
                            "ok 3 c #skip   spaced\n")
        self.assertEqual([t.state for t in r.tests], ["skip", "skip", "skip"])
        self.assertEqual(r.tests[0].reason, "no IPv6 on this host")
        self.assertEqual(r.tests[0].name, "families: a")
        self.assertEqual(r.tests[1].reason, "")
        self.assertEqual(r.tests[2].reason, "spaced")

    def test_todo_is_neither_pass_nor_failure(self):
        r = grade.parse_tap("1..2\nnot ok 1 service: later # TODO not yet\nok 2 service: b # todo done early\n")
        self.assertEqual([t.state for t in r.tests], ["todo", "todo"])
        self.assertEqual(r.tests[0].reason, "not yet")

    def test_bail_out_leaves_the_rest_not_run(self):
        r = grade.parse_tap("1..4\nok 1 a\nBail out! setup_file failed\nok 2 ignored after bail out\n")
        self.assertEqual(r.bailout, "setup_file failed")
        self.assertEqual([t.state for t in r.tests], ["pass", "notrun", "notrun", "notrun"])
        self.assertTrue(r.truncated)

    def test_a_suite_that_dies_mid_stream(self):
        r = grade.parse_tap("1..5\nok 1 a\nnot ok 2 b\n# partial diag")
        self.assertTrue(r.truncated)
        self.assertEqual([t.state for t in r.tests], ["pass", "fail", "notrun", "notrun", "notrun"])
        self.assertEqual(r.tests[4].number, 5)

    def test_a_stream_with_no_plan_and_garbage(self):
        r = grade.parse_tap("bash: line 1: syntax error\nok 1 a\nrandom noise\n")
        self.assertIsNone(r.plan)
        self.assertEqual(len(r.tests), 1)
        self.assertEqual(r.extra, ["bash: line 1: syntax error", "random noise"])

    def test_suite_names_from_the_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".bats", delete=False) as f:
            f.write('@test "usage: a \\"quoted\\" word" {\n}\n  @test \'service: single\' {\n}\n# @test "no"\n')
        try:
            self.assertEqual(grade.suite_test_names(f.name), ['usage: a "quoted" word', "service: single"])
        finally:
            os.unlink(f.name)

    def test_property_prefix(self):
        self.assertEqual(grade.test_property("security: x"), "security")
        self.assertIsNone(grade.test_property("securityx: x"))
        self.assertIsNone(grade.test_property("echo_tcp: x"))


POINTS = """
default 10
suite big 20
warning-penalty 1
warning-cap 10
share usage 10
share service 30
share protocol 60
share big protocol 0
weight big 3 heavy
"""


class Scoring(unittest.TestCase):
    def setUp(self):
        self.p = grade.parse_points(POINTS)

    def test_shares_split_by_property_then_equally(self):
        tests = results("pass", "fail", prop="usage") + [
            grade.TestResult(3, "service: s", "pass"), grade.TestResult(4, "protocol: p", "fail")]
        earned, penalty, final, per = grade.score(self.p, "ex", tests, 0)
        # usage 1 of 10 (two tests of 0.5), service 3, protocol 6.
        self.assertAlmostEqual(per[1][1], 0.5)
        self.assertAlmostEqual(per[3][1], 3.0)
        self.assertAlmostEqual(per[4][1], 6.0)
        self.assertEqual(final, 3.5)
        self.assertEqual(penalty, 0)

    def test_absent_properties_drop_out(self):
        tests = [grade.TestResult(1, "usage: u", "pass"), grade.TestResult(2, "service: s", "fail")]
        _, _, final, per = grade.score(self.p, "ex", tests, 0)
        self.assertAlmostEqual(per[1][1] + per[2][1], 10.0)
        self.assertEqual(final, 2.5)

    def test_per_exercise_share_and_weight(self):
        tests = [grade.TestResult(1, "service: heavy one", "pass"), grade.TestResult(2, "service: light", "fail"),
                 grade.TestResult(3, "protocol: p", "fail")]
        _, _, final, per = grade.score(self.p, "big", tests, 0)
        # protocol's share is 0 in big: service takes all 20, 3:1.
        self.assertAlmostEqual(per[1][1], 15.0)
        self.assertAlmostEqual(per[3][1], 0.0)
        self.assertEqual(final, 15.0)

    def test_skipped_and_not_run_earn_nothing(self):
        _, _, final, _ = grade.score(self.p, "ex", results("pass", "skip", "notrun", "todo"), 0)
        self.assertEqual(final, 2.5)

    def test_penalty_is_capped(self):
        tests = results("pass", "pass")
        self.assertEqual(grade.score(self.p, "ex", tests, 0)[2], 10.0)
        self.assertEqual(grade.score(self.p, "ex", tests, 1)[2], 9.0)
        self.assertEqual(grade.score(self.p, "ex", tests, 5)[2], 9.0)
        self.assertEqual(grade.score(self.p, "ex", tests, 500)[2], 9.0)
        self.assertEqual(grade.score(self.p, "big", tests, 500)[2], 18.0)

    def test_penalty_never_below_zero(self):
        self.assertEqual(grade.score(self.p, "ex", results("fail"), 50)[2], 0.0)

    def test_same_score_every_time(self):
        tests = results("pass", "fail", "pass", prop="service") + results("pass", prop="usage")
        self.assertEqual(len({grade.score(self.p, "ex", tests, 3)[2] for _ in range(50)}), 1)


class PointsFile(unittest.TestCase):
    def bad(self, text, *words):
        with self.assertRaises(grade.Fail) as c:
            grade.parse_points(text, "P")
        self.assertEqual(c.exception.code, 65)
        for w in words:
            self.assertIn(w, str(c.exception))

    def test_parses_comments_and_decimals(self):
        p = grade.parse_points("default 2.5  # a comment\nwarning-cap 5%\nshare memory 7.5\n")
        self.assertEqual((p.default, p.cap, p.share["memory"]), (2.5, 5.0, 7.5))

    def test_refuses_what_it_does_not_know(self):
        self.bad("bogus 1\n", "P:1", "unknown setting")
        self.bad("\nsuite echo_tcp many\n", "P:2")
        self.bad("share speed 10\n", "unknown property 'speed'")
        self.bad("share ex speed 10\n", "unknown property 'speed'")
        self.bad("warning-cap 150\n", "PERCENT")
        self.bad("weight ex 2 (unclosed\n", "bad regex")
        self.bad("weight ex\n", "weight EXERCISE WEIGHT REGEX")

    def test_validation_against_suites(self):
        suites = {"ex": ["usage: u", "service: s"], "other": ["protocol: p"]}
        ok = grade.parse_points("share usage 10\nshare service 10\nshare protocol 10\nsuite ex 5\nweight ex 2 ^service:\n")
        self.assertEqual(grade.validate_points(ok, suites), [])
        for text, word in (("suite exx 5\n", "unknown exercise 'exx'"),
                           ("share exx usage 5\n", "unknown exercise 'exx'"),
                           ("weight ex 2 nomatch\n", "matches no test"),
                           ("weight nope 2 x\n", "unknown exercise 'nope'")):
            errs = grade.validate_points(grade.parse_points("share usage 10\n" + text), suites)
            self.assertTrue(any(word in e for e in errs), (text, errs))
        errs = grade.validate_points(ok, {"ex": ["usage: u", "a test without a prefix"]})
        self.assertTrue(any("without a property prefix" in e and "a test without a prefix" in e for e in errs), errs)


class Junit(unittest.TestCase):
    def test_well_formed_twenty_times_in_a_row(self):
        nasty = "ctl \x00\x01\x1b[31m <&>\"' \ud800 \uffff é 漢字 ]]> --"
        tests = [grade.TestResult(1, "usage: " + nasty, "pass"),
                 grade.TestResult(2, "service: " + nasty, "fail", diag=[nasty, "got: \x07bell"]),
                 grade.TestResult(3, "families: x", "skip", reason=nasty),
                 grade.TestResult(4, "robustness: y", "notrun"),
                 grade.TestResult(5, "memory: z", "todo", reason="later")]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.junit.xml")
            for _ in range(20):
                grade.write_junit(path, "x" + nasty, tests, 1.5, "the suite was cut off")
                suite = ET.parse(path).getroot().find("testsuite")
                self.assertEqual(suite.get("tests"), "5")
                self.assertEqual(suite.get("failures"), "2")
                self.assertEqual(suite.get("skipped"), "2")
                cases = suite.findall("testcase")
                self.assertEqual(len(cases), 5)
                self.assertIsNotNone(cases[1].find("failure"))
                self.assertIsNotNone(cases[2].find("skipped"))
                self.assertEqual(cases[3].find("failure").get("type"), "notrun")
                self.assertEqual(os.listdir(d), ["x.junit.xml"])


class Tools(unittest.TestCase):
    def test_tools_a_suite_and_its_loads_run(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "lib"))
            with open(os.path.join(d, "s.bats"), "w") as f:
                f.write('load lib/x\n# curl in a comment does not count\n@test "a" {\n\trun nc -z ::1 1\n}\n')
            with open(os.path.join(d, "lib", "x.bash"), "w") as f:
                f.write('needs_tool dnsmasq dnsmasq && needs_file /etc/services netbase\nx=$(ss -ltn)\n')
            self.assertEqual(grade.suite_tools(os.path.join(d, "s.bats")),
                             {"nc": "netcat-openbsd", "ss": "iproute2", "dnsmasq": "dnsmasq",
                              "file:/etc/services": "netbase"})


class Hints(unittest.TestCase):
    def test_missing_feature_test_macro(self):
        log = ("a.c:14:25: error: storage size of 'hints' isn't known\n"
               "a.c:24:20: warning: implicit declaration of function 'getaddrinfo' [-Wimplicit-function-declaration]\n")
        lines, hints = grade.hints_for(log, "#include <netdb.h>\n", "-D_POSIX_C_SOURCE=200809L")
        self.assertEqual(len(lines), 2)
        self.assertTrue(any("_POSIX_C_SOURCE 200809L" in h and "_DEFAULT_SOURCE" in h for h in hints), hints)
        self.assertFalse(any("used without a declaration" in h for h in hints), hints)
        _, hints = grade.hints_for(log, "#include <netdb.h>\n", None)
        self.assertTrue(any("_POSIX_C_SOURCE" in h for h in hints), hints)

    def test_unused_parameter_and_float_equal(self):
        log = ("m.c:5:27: warning: unused parameter 'self' [-Wunused-parameter]\n"
               "m.c:9:11: warning: comparing floating-point with '==' or '!=' is unsafe [-Wfloat-equal]\n")
        _, hints = grade.hints_for(log, "", None)
        self.assertTrue(any("(void)self;" in h and "`self`" in h for h in hints), hints)
        self.assertTrue(any("documented idiom" in h and "-Wfloat-equal" in h for h in hints), hints)
        self.assertFalse(any("feature-test" in h for h in hints), hints)
        self.assertEqual(grade.count_warnings(log), 2)


if __name__ == "__main__":
    unittest.main()
