import os
import re

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))


def read(*parts):
    with open(os.path.join(HERE, *parts), encoding="utf-8") as handle:
        return handle.read()


VERSION = re.search(r'^__version__ = "([^"]+)"', read("placebo_unittest", "__init__.py"), re.M).group(1)

setup(
    name="placebo_unittest",
    version=VERSION,
    description="Record boto3 responses once, replay them offline in unittest suites: "
    "an exact, strict drop-in for placebo.",
    long_description=read("README.rst"),
    long_description_content_type="text/x-rst",
    author="placebo_unittest developers",
    license="Apache-2.0",
    packages=find_packages(include=["placebo_unittest", "placebo_unittest.*"]),
    package_data={"placebo_unittest": ["py.typed"]},
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.10",
    install_requires=[
        # The oldest releases the test suite runs on (the async extra's pin);
        # older ones lack model details and internals the library reads.
        "boto3>=1.40",
        "botocore>=1.40",
        "parameterized>=0.9",
        "click>=8.1",
    ],
    entry_points={
        "console_scripts": [
            "placebo-unittest = placebo_unittest.cli:main",
        ],
        "pytest11": ["placebo_unittest = placebo_unittest.pytest_plugin"],
    },
    extras_require={
        # Async clients: aiobotocore pins the botocore versions it works with, so
        # it is installed only for those who ask (see docs/async.rst).
        "async": ["aiobotocore>=2.7"],
        # A faster JSON parser for first replays of large recordings (see
        # docs/performance.rst); without it the json module reads every file.
        "fast": ["msgspec>=0.18"],
        "test": [
            "moto[server]>=5.0",
            "pytest>=7",
            "pytest-xdist>=3",
            "hypothesis>=6",
            # The async tests: aiobotocore through aioboto3 (which pins one
            # aiobotocore, and so an older botocore than the newest) and s3fs,
            # run under pytest-asyncio and anyio.
            "aiobotocore>=2.7",
            "aioboto3>=11",
            "s3fs>=2023.6",
            "pytest-asyncio>=0.24",
            "anyio>=4",
            # Both ways of reading recordings are tested: this one with msgspec,
            # and the json module's with msgspec set aside (tests/test_listed_tags.py).
            "msgspec>=0.18",
        ],
        "bench": ["placebo==0.10.0", "msgspec>=0.18"],
        "docs": ["sphinx>=5"],
        # Pinned to a minor release: a newer ruff or mypy may find new things.
        "lint": ["ruff~=0.17.6", "mypy~=2.4.1", "types-python-dateutil"],
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Developers",
        "License :: OSI Approved :: Apache Software License",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Software Development :: Testing",
        "Topic :: Software Development :: Testing :: Mocking",
        "Typing :: Typed",
    ],
)
