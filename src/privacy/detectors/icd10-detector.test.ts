import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { icd10Detector } from "./icd10-detector.js";

describe("icd10 detector", () => {
  it.each([
    ["E11.9", ["E11.9"]],
    ["Type 2 diabetes (E11.9)", ["E11.9"]],
    ["F32.A depression, unspecified", ["F32.A"]],
    ["codes Z79.4, O09.891", ["Z79.4", "O09.891"]],
    ["S72.001A", ["S72.001A"]],
    ["gout M1A.0", ["M1A.0"]],
    ["/conditions/E11.9/overview", ["E11.9"]],
    ["?code=F41.1&x=1", ["F41.1"]],
    ["ICD-10: E119", ["E119"]],
    ["icd10 z794", ["z794"]],
    ["dx: e11.9", ["e11.9"]],
    ["Diagnosis code E11", ["E11"]],
    ["ICD-10-CM C50.911 and C50.912", ["C50.911", "C50.912"]],
    ["U07.1", ["U07.1"]],
  ])("finds %j", (text, expected) => {
    expect(found(icd10Detector, text)).toEqual(expected);
  });

  it("finds undotted codes in fields named for a diagnosis", () => {
    expect(found(icd10Detector, "E119", "icd10_code")).toEqual(["E119"]);
    expect(found(icd10Detector, "z79.4", "diagnosis")).toEqual(["z79.4"]);
    expect(found(icd10Detector, "F329", "primaryDx")).toEqual(["F329"]);
  });

  it.each([
    ["SKU E119 in stock"],
    ["sku B12 vitamin"],
    ["version V10.1.2"],
    ["v2.10.0"],
    ["A1.5"],
    ["E11.12345"],
    ["e11.9 lowercase without a cue"],
    ["CO2.5 levels"],
    ["AB11.9"],
    ["4E11.9"],
    ["E11.9.1"],
    ["1.E11.9"],
    ["size M10 shoes"],
    ["flight BA123 at gate C12"],
  ])("ignores %j", (text) => {
    expect(found(icd10Detector, text)).toEqual([]);
  });

  it("ignores undotted codes in fields that are not about a diagnosis", () => {
    expect(found(icd10Detector, "E119", "sku")).toEqual([]);
    expect(found(icd10Detector, "E119", "dxf_file")).toEqual([]);
  });
});
