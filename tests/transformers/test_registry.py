"""Names resolve case-insensitively; chains are built once; broken user files fail only their users."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from ccrouter.config.model import build_config
from ccrouter.errors import PluginError
from ccrouter.transformers.base import UpstreamRequest
from ccrouter.transformers.context import TranslationContext
from ccrouter.transformers.registry import TransformerRegistry


def provider(**transformer: object) -> object:
    raw = {
        "Providers": [
            {"name": "p", "api_base_url": "http://127.0.0.1/v1", "transformer": transformer}
        ]
    }
    return build_config(raw, None).providers["p"]


def test_chain_order_and_cache() -> None:
    registry = TransformerRegistry()
    p = provider(use=["MaxToken", "cleancache"], m={"use": [["sampling", {"temperature": 0.1}]]})
    chain = registry.chain_for(p, "m")  # type: ignore[arg-type]
    assert [type(t).name.lower() for t in chain] == ["maxtoken", "cleancache", "sampling"]
    assert chain[2].options == {"temperature": 0.1}
    assert registry.chain_for(p, "m") is chain  # type: ignore[arg-type]


def test_openrouter_is_implicit_for_openrouter_providers() -> None:
    raw = {"Providers": [{"name": "openrouter", "api_base_url": "http://127.0.0.1/v1"}]}
    p = build_config(raw, None).providers["openrouter"]
    assert [type(t).name for t in TransformerRegistry().chain_for(p, "x")] == ["openrouter"]


def test_user_transformer_file_with_options(tmp_path: Path) -> None:
    file = tmp_path / "mine.py"
    file.write_text(
        "from ccrouter.transformers.base import Transformer\n"
        "class Mine(Transformer):\n    name = 'mine'\n"
        "    def transform_request(self, req, ctx):\n        req.body['tag'] = self.options['tag']\n        return req\n"
    )
    registry = TransformerRegistry()
    assert registry.load_user_files(((file, MappingProxyType({"tag": "from-config"})),)) == []
    (t,) = registry.chain_for(provider(use=["mine"]), "m")  # type: ignore[arg-type]
    req = t.transform_request(UpstreamRequest("u", {}, {}), TranslationContext("c", "m"))
    assert req.body["tag"] == "from-config"


def test_broken_user_file_fails_only_requests_that_use_it(tmp_path: Path) -> None:
    file = tmp_path / "broken.py"
    file.write_text("raise RuntimeError('oops')\n")
    registry = TransformerRegistry()
    (problem,) = registry.load_user_files(((file, MappingProxyType({})),))
    assert "broken.py" in problem
    (t,) = registry.chain_for(provider(use=["broken"]), "m")  # type: ignore[arg-type]
    with pytest.raises(PluginError, match="broken.py"):
        t.transform_request(UpstreamRequest("u", {}, {}), TranslationContext("c", "m"))


def test_a_user_transformer_may_define_dataclasses(tmp_path: Path) -> None:
    # Needs the module in sys.modules while it runs: @dataclass resolves string annotations there.
    file = tmp_path / "dc.py"
    file.write_text(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "from ccrouter.transformers.base import Transformer\n"
        "@dataclass(frozen=True)\nclass Tag:\n    value: str\n"
        "class Tagger(Transformer):\n    name = 'tagger'\n"
        "    def transform_request(self, req, ctx):\n"
        "        req.body['tag'] = Tag('dc').value\n        return req\n"
    )
    registry = TransformerRegistry()
    assert registry.load_user_files(((file, MappingProxyType({})),)) == []
    (t,) = registry.chain_for(provider(use=["tagger"]), "m")  # type: ignore[arg-type]
    req = t.transform_request(UpstreamRequest("u", {}, {}), TranslationContext("c", "m"))
    assert req.body["tag"] == "dc"


def test_the_class_defined_in_the_file_wins_over_an_imported_one(tmp_path: Path) -> None:
    file = tmp_path / "louder.py"
    file.write_text(
        "from ccrouter.transformers.builtin.maxtoken import MaxTokenTransformer\n"
        "class Louder(MaxTokenTransformer):\n    name = 'louder'\n"
    )
    registry = TransformerRegistry()
    assert registry.load_user_files(((file, MappingProxyType({})),)) == []
    assert "louder" in registry.known()


def test_a_file_without_a_transformer_is_a_load_problem(tmp_path: Path) -> None:
    file = tmp_path / "empty.py"
    file.write_text("x = 1\n")
    (problem,) = TransformerRegistry().load_user_files(((file, MappingProxyType({})),))
    assert problem.startswith("user transformer empty.py failed to load: no Transformer subclass")
