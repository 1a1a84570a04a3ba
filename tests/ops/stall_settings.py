"""Settings for the worker-kill tests' installations: the real settings plus `stallapp`,
which holds one event delivery open on request so the test can kill the worker inside it.
Not a test module."""

from xianfeng.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.ops.stallapp"]  # noqa: F405
