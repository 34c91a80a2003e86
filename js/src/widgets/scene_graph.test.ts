import { describe, expect, it } from "vitest";
import { acceptedBox, nextBoxId, nextObjectId, openBoxProposals, openProposals, proposalOrder, SceneItem, tripleKey } from "./scene_graph/state";

const obj = (id: string) => ({ id, x: 0, y: 0, w: 1, h: 1, class: "cup", attributes: [], source: "human" as const });

describe("scene graph state", () => {
  it("numbers drawn boxes after the largest h<n>", () => {
    expect(nextObjectId([])).toBe("h1");
    expect(nextObjectId([obj("h2"), obj("man"), obj("h10x"), obj("h7")])).toBe("h8");
  });
  it("keeps open the proposals not rejected, not accepted, with both boxes, not already a triple", () => {
    const it: SceneItem = {
      id: 0, kind: "image",
      objects: [obj("a"), obj("b"), obj("c")],
      relations: [{ subject: "a", predicate: "on", object: "c", source: "human", score: null, proposal: null },
        { subject: "b", predicate: "near", object: "a", source: "model", score: 0.5, proposal: "p3" }],
      rejected: ["p1"],
      proposals: [
        { id: "p0", subject: "a", predicate: "on", object: "b", score: 0.9 },
        { id: "p1", subject: "b", predicate: "on", object: "c", score: 0.8 },
        { id: "p2", subject: "a", predicate: "on", object: "c", score: 0.7 },
        { id: "p3", subject: "b", predicate: "near", object: "a", score: 0.5 },
        { id: "p4", subject: "a", predicate: "on", object: "gone", score: 0.4 },
      ],
    } as SceneItem;
    expect(openProposals(it).map((p) => p.id)).toEqual(["p0"]);
    expect(openProposals(undefined)).toEqual([]);
  });
  it("keys a triple unambiguously", () => {
    expect(tripleKey({ subject: "a b", predicate: "c", object: "d" })).not.toBe(tripleKey({ subject: "a", predicate: "b c", object: "d" }));
  });
  it("keeps open the proposed boxes neither accepted nor rejected; a relation may name one; p walks boxes first", () => {
    const box = (id: string, score: number) => ({ id, x: 1, y: 1, w: 2, h: 2, class: "cup", attributes: ["red"], score });
    const it: SceneItem = {
      id: 0, kind: "image",
      objects: [obj("a"), { ...obj("m1"), source: "model" }],
      relations: [],
      object_proposals: [box("m0", 0.9), box("m1", 0.8), box("m2", 0.7), box("m3", 0.6)],
      rejected_objects: ["m2"],
      proposals: [
        { id: "p0", subject: "a", predicate: "on", object: "m0", score: 0.9 }, // m0 open: the relation is open
        { id: "p1", subject: "m2", predicate: "on", object: "a", score: 0.8 }, // m2 rejected: not open
        { id: "p2", subject: "m1", predicate: "on", object: "a", score: 0.7 }, // m1 accepted
      ],
    } as SceneItem;
    expect(openBoxProposals(it).map((p) => p.id)).toEqual(["m0", "m3"]);
    expect(openProposals(it).map((p) => p.id)).toEqual(["p0", "p2"]);
    expect(proposalOrder(it)).toEqual([{ kind: "box", id: "m0" }, { kind: "box", id: "m3" }, { kind: "proposal", id: "p0" },
      { kind: "proposal", id: "p2" }]);
    expect(acceptedBox(box("m0", 0.9))).toEqual({ id: "m0", x: 1, y: 1, w: 2, h: 2, class: "cup", attributes: ["red"], source: "model", score: 0.9 });
    expect(nextObjectId([obj("h1"), { id: "h4" }])).toBe("h5");
  });
  it("never numbers a drawn box with a given object's id, deleted or not (a proposal naming it names the given box)", () => {
    const box = { id: "h3", x: 1, y: 1, w: 2, h: 2, class: "cup", attributes: [], score: 0.5 };
    const it = { id: 0, kind: "image", objects: [obj("h1")], given_ids: ["h1", "h2"] } as SceneItem; // h2 deleted
    expect(nextBoxId(it)).toBe("h3");
    expect(nextBoxId({ ...it, object_proposals: [box] } as SceneItem)).toBe("h4");
    expect(nextBoxId({ ...it, given_ids: undefined } as SceneItem)).toBe("h2");
    expect(nextBoxId(undefined)).toBe("h1");
  });
});
