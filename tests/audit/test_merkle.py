"""RFC 9162 tree hashing and proofs against the public RFC 6962 test vectors.

Vectors: the 8 leaf inputs, roots and proofs used by transparency-dev/merkle (testonly and
proof/verify_test.go), reproduced as data. Corruptions follow the same probes (wrong index,
wrong size, wrong root or leaf, extra/missing/modified components).
"""

import random

import pytest

from audit import merkle

LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243",
                                    "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
ROOTS = [bytes.fromhex(h) for h in [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]


def h(value: str) -> bytes:
    return bytes.fromhex(value)


INCLUSION = [  # (index, size, path)
    (0, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (5, 8, [h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (1, 5, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
]
CONSISTENCY = [  # (old, new, path)
    (1, 8, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]),
    (6, 8, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
    (2, 5, [h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]),
    (6, 7, [h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.fixture(scope="module")
def levels():
    return merkle.Levels([merkle.leaf_hash(x) for x in LEAVES])


def test_empty_tree_root_is_sha256_of_nothing():
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert merkle.Frontier().root() == merkle.EMPTY_ROOT


def test_roots_match_vectors_for_every_size(levels):
    frontier = merkle.Frontier()
    for size, leaf in enumerate(LEAVES, start=1):
        frontier.append(merkle.leaf_hash(leaf))
        assert levels.root(size) == ROOTS[size - 1]
        assert frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_vectors_are_produced_and_verified(levels, index, size, path):
    leaf = merkle.leaf_hash(LEAVES[index])
    assert levels.inclusion_path(index, size) == path
    assert merkle.verify_inclusion(index, size, leaf, path, ROOTS[size - 1])


def _inclusion_corruptions(index, size, leaf, path, root):
    yield index - 1, size, leaf, path, root
    yield index + 1, size, leaf, path, root
    yield index ^ 2, size, leaf, path, root
    yield index, size * 2, leaf, path, root
    yield index, size // 2, leaf, path, root
    yield index, size, merkle.leaf_hash(b"WrongLeaf"), path, root
    yield index, size, leaf, path, merkle.EMPTY_ROOT
    yield index, size, leaf, path, SOME_HASH
    yield index, size, leaf, [*path, root], root
    yield index, size, leaf, [root, *path], root
    yield index, size, leaf, [*path, b""], root
    yield index, size, leaf, path[:-1], root
    yield index, size, leaf, [path[0], SOME_HASH, *path[1:]], root
    for i in range(len(path)):
        flipped = bytes([path[i][0] ^ 8]) + path[i][1:]
        yield index, size, leaf, [*path[:i], flipped, *path[i + 1:]], root


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_corrupted_inclusion_proofs_fail(index, size, path):
    leaf, root = merkle.leaf_hash(LEAVES[index]), ROOTS[size - 1]
    for probe in _inclusion_corruptions(index, size, leaf, path, root):
        if probe[0] < 0:
            continue
        assert not merkle.verify_inclusion(*probe), probe[:2]


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_vectors_are_produced_and_verified(levels, old, new, path):
    assert levels.consistency_path(old, new) == path
    assert merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], path)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_corrupted_consistency_proofs_fail(old, new, path):
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, r1, r2, path), (old + 1, new, r1, r2, path), (old ^ 2, new, r1, r2, path),
        (old, new * 2, r1, r2, path), (old, new // 2, r1, r2, path),
        (old, new, SOME_HASH, r2, path), (old, new, r1, SOME_HASH, path),
        (old, new, r2, r1, path), (old, new, r1, r2, []),
        (old, new, r1, r2, [*path, r1]), (old, new, r1, r2, [*path, r2]),
        (old, new, r1, r2, [r1, *path]), (old, new, r1, r2, [r2, *path]),
        (old, new, r1, r2, [path[0], *path]), (old, new, r1, r2, path[:-1]),
    ]
    for i in range(len(path)):
        flipped = bytes([path[i][0] ^ 16]) + path[i][1:]
        probes.append((old, new, r1, r2, [*path[:i], flipped, *path[i + 1:]]))
    for probe in probes:
        if probe[0] == 0 or probe[0] > probe[1]:
            continue  # size 0 is trivially consistent; time travel is refused separately
        assert not merkle.verify_consistency(*probe), probe[:2]


def test_trivial_consistency_cases():
    r1, r2 = b"1" * 32, b"2" * 32
    assert merkle.verify_consistency(0, 0, r1, r1, [])
    assert merkle.verify_consistency(0, 5, r1, r2, [])
    assert merkle.verify_consistency(3, 3, r2, r2, [])
    assert not merkle.verify_consistency(3, 3, r1, r2, [])
    assert not merkle.verify_consistency(2, 1, r1, r2, [])
    assert not merkle.verify_consistency(1, 2, r1, r2, [])
    assert not merkle.verify_consistency(0, 1, r1, r2, [merkle.EMPTY_ROOT])


def test_single_leaf_inclusion():
    leaf = merkle.leaf_hash(b"data")
    assert merkle.verify_inclusion(0, 1, leaf, [], leaf)
    assert not merkle.verify_inclusion(0, 1, b"", [], leaf)
    assert not merkle.verify_inclusion(0, 0, leaf, [], leaf)
    assert not merkle.verify_inclusion(1, 1, leaf, [], leaf)


def test_every_proof_of_random_trees_verifies():
    rng = random.Random(6962)
    leaves = [merkle.leaf_hash(rng.randbytes(rng.randint(0, 40))) for _ in range(70)]
    levels = merkle.Levels(leaves)
    frontier = merkle.Frontier()
    for size in range(1, 71):
        frontier.append(leaves[size - 1])
        root = levels.root(size)
        assert frontier.root() == root == merkle.Levels(leaves[:size]).root()
        restored = merkle.Frontier.from_bytes(size, frontier.to_bytes())
        assert restored.root() == root
        for index in range(size):
            path = levels.inclusion_path(index, size)
            assert merkle.verify_inclusion(index, size, leaves[index], path, root)
        for old in range(1, size + 1):
            path = levels.consistency_path(old, size)
            assert merkle.verify_consistency(old, size, levels.root(old), root, path)
