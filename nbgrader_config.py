"""nbgrader configuration: the repository root is the course directory.

- ``solutions/<assignment>/<assignment>.ipynb``: the instructor's notebooks, with solutions
  (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) and tests, some of them hidden
  (between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``). nbgrader calls this folder
  the source directory.
- ``exercises/<assignment>/<assignment>.ipynb``: what students get, written by
  ``nbgrader generate_assignment <assignment> --force`` and committed. nbgrader calls this
  folder the release directory. tests/test_autograder.py regenerates it and fails when the
  committed copy differs.

Run nbgrader from the repository root with the course's environment active (nbgrader calls
``alembic`` from PATH when it creates gradebook.db). submitted/, autograded/, feedback/ and
gradebook.db are the instructor's working files and are not committed.
"""

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# A cell that runs longer than this when autograding is stopped and scores zero. The numpy
# assignments need a few seconds in all; the framework assignments train small models.
c.Execute.timeout = 300
