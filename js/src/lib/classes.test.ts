import { describe, expect, it } from "vitest";
import { classDigitKeys } from "./classes";

describe("classDigitKeys", () => {
  const press = (bindings: ReturnType<typeof classDigitKeys>, key: string) =>
    bindings.find((b) => b.keys.includes(key))!.run(new KeyboardEvent("keydown"));

  it("binds each class key to its class's index, read from the list when pressed", () => {
    let classes: Array<string | number> = ["cat", "dog", "bird"];
    const picked: number[] = [];
    const keys = classDigitKeys(() => classes, (k) => picked.push(k), "pick a class");
    expect(keys.map((b) => b.keys[0])).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]);
    expect(keys.filter((b) => b.when!()).map((b) => b.keys[0])).toEqual(["1", "2", "3"]);
    press(keys, "2");
    expect(picked).toEqual([1]);
    classes = [3, 0, 7]; // digit classes keep their digit
    expect(keys.filter((b) => b.when!()).map((b) => b.keys[0])).toEqual(["3", "7", "0"]);
    press(keys, "0");
    press(keys, "7");
    expect(picked).toEqual([1, 1, 2]);
    expect(keys[0].description).toBe("pick a class");
  });

  it("describes a key by its class when given a function", () => {
    const classes = ["cat", "dog"];
    const [one, two] = classDigitKeys(() => classes, () => undefined, (c) => `pick class ${String(c)}`);
    expect((one.description as () => string)()).toBe("pick class cat");
    expect((two.description as () => string)()).toBe("pick class dog");
  });
});
