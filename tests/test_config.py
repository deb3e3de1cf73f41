"""Parsing of the WIKI_* environment variables (config.from_env is pure)."""

from __future__ import annotations

import pytest

import config


def test_empty_environment_sets_nothing():
    assert config.from_env({}) == {}


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("YES", True), ("on", True),
                                           ("0", False), ("false", False), ("no", False), ("", False)])
def test_booleans(raw, expected):
    assert config.from_env({"WIKI_OPEN_REGISTRATION": raw})["OPEN_REGISTRATION"] is expected


def test_bad_boolean_names_the_variable():
    with pytest.raises(config.ConfigError, match="WIKI_LOAD_CONTENT"):
        config.from_env({"WIKI_LOAD_CONTENT": "maybe"})


def test_auto_approve_roles_are_a_comma_list():
    got = config.from_env({"WIKI_AUTO_APPROVE_ROLES": " clinician, Reviewer ,admin,"})
    assert got["AUTO_APPROVE_ROLES"] == frozenset({"clinician", "reviewer", "admin"})
    assert config.from_env({"WIKI_AUTO_APPROVE_ROLES": ""})["AUTO_APPROVE_ROLES"] == frozenset()


def test_unknown_role_is_refused():
    with pytest.raises(config.ConfigError, match="WIKI_AUTO_APPROVE_ROLES.*superuser"):
        config.from_env({"WIKI_AUTO_APPROVE_ROLES": "superuser"})


def test_search_backend_must_be_known():
    assert config.from_env({"WIKI_SEARCH_BACKEND": "Postgres"})["SEARCH_BACKEND"] == "postgres"
    with pytest.raises(config.ConfigError, match="WIKI_SEARCH_BACKEND"):
        config.from_env({"WIKI_SEARCH_BACKEND": "elastic"})


def test_finish_derives_paths_from_the_instance_dir(tmp_path):
    values = {"INSTANCE_DIR": str(tmp_path), "DATABASE_URL": None, "SEARCH_INDEX_DIR": None,
              "AUTO_APPROVE_ROLES": "reviewer"}
    config.finish(values)
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'wiki.db'}"
    assert values["SEARCH_INDEX_DIR"] == str(tmp_path / "index")
    assert values["AUTO_APPROVE_ROLES"] == frozenset({"reviewer"})
