import { describe, expect, it } from "vitest";
import { found } from "./detector-test-kit.js";
import { mrnDetector } from "./mrn-detector.js";

describe("mrn detector", () => {
  it.each([
    ["MRN: 00482913", ["00482913"]],
    ["mrn 4829130", ["4829130"]],
    ["MRN12345678", ["12345678"]],
    ["MRN#: A-123456", ["A-123456"]],
    ["Medical record number: 7719-2231", ["7719-2231"]],
    ["medical record # 00991122", ["00991122"]],
    ["Medical Record No. 5512093", ["5512093"]],
    ["patient id 55012", ["55012"]],
    ["Patient ID: PT-000123", ["PT-000123"]],
    ["/portal?patient_id=998877&tab=labs", ["998877"]],
    ["patientId=4412", ["4412"]],
    ["patient number is 8812345", ["8812345"]],
    ["MRN number: 30019922", ["30019922"]],
    ["Transfer (MRN 771203), then MRN 771204", ["771203", "771204"]],
  ])("finds %j", (text, expected) => {
    expect(found(mrnDetector, text)).toEqual(expected);
  });

  it("finds the whole value of a field named for a medical record number", () => {
    expect(found(mrnDetector, "00482913", "mrn")).toEqual(["00482913"]);
    expect(found(mrnDetector, " A-123456 ", "medicalRecordNumber")).toEqual(["A-123456"]);
    expect(found(mrnDetector, "998877", "patient_id")).toEqual(["998877"]);
  });

  it.each([
    ["MRN field is required"],
    ["mrn: N/A"],
    ["patient id: pending"],
    ["mRNA-1273 vaccine, dose 2"],
    ["mrna vaccine 2021"],
    ["medical records request form 2024"],
    ["patient identity verified 123456"],
    ["order id: 12345678"],
    ["patients 12345 served"],
    ["MRN: 12"],
    ["premrn 123456"],
    ["MRN: 1234567890123456789012345"],
    ["patient id: AB"],
  ])("ignores %j", (text) => {
    expect(found(mrnDetector, text)).toEqual([]);
  });

  it("ignores short or digit-poor values in MRN-named fields", () => {
    expect(found(mrnDetector, "pending", "mrn")).toEqual([]);
    expect(found(mrnDetector, "12", "patient_id")).toEqual([]);
    expect(found(mrnDetector, "00482913", "record")).toEqual([]);
  });
});
