"""The instructor's class grader: ``coursekit grade ASSIGNMENT SUBMISSIONS --out DIR``.

One idea: record in the sandbox, decide outside. Student code runs in a sandboxed process
where every check call only records the value it was given, and where nothing it could
steal exists: the expected values, tolerances and hints come from the trusted
``coursekit.expected``, which is a stub there, and every check is cut to
``check_x(name, actual)``. The scores are decided here, outside, by comparing the records
with a reference run of the solutions. Modules, in pipeline order:

- :mod:`.ingest`: find each student's notebook in an LMS export, unpacking safely;
- :mod:`.assignment`: the assignment's cells, points and rules, read from ``solutions/``;
- :mod:`.prepare`: once per assignment: the sandbox, the reference run, the self-checks;
- :mod:`.rebuild` (with :mod:`.cut`): the notebook to run, from the source and the
  student's answers, with no expected value in it;
- :mod:`.sandbox`, :mod:`.kit`, :mod:`.runner` (with :mod:`.executor` inside, and
  :mod:`coursekit.protocol` between them) and :mod:`.processes`: run it in bubblewrap
  with limits, one cell at a time, and leave nothing running;
- :mod:`.compare`: decide every test cell from the records;
- :mod:`.student`: one submission from its files to a :class:`.results.StudentResult`,
  with the flags of :mod:`.scan` and :mod:`.fingerprint`;
- :mod:`.grade`: the whole class, in parallel and resumable;
- :mod:`.outputs`, :mod:`.feedback` and :mod:`.report`: grades.csv, the nbgrader gradebook
  and graded notebooks, each student's feedback, the class report;
- :mod:`.cli`: the command line.
"""
