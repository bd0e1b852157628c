"""A small course for the cheat-sheet tests: every card type, a table, code, math, an image, CJK text."""

from __future__ import annotations

D1 = r"""
---
title: Data preparation
domain: 1
---

## 1.1 Collect and store data

### Which columnar format lets Athena read only the needed columns?
<!-- {id: fmt-1, cheatsheet: true} -->

Apache **Parquet**.

### Object or file storage?
<!-- {id: cmp-1, cheatsheet: true} -->

| Need | Service |
|---|---|
| Shared POSIX file system | Amazon EFS |
| Cheap object storage | Amazon S3 |

![storage diagram](media/box.svg)

### A card left off the sheet
<!-- id: off-1 -->

Not on the sheet.

### Only on the previous exam
<!-- {id: old-1, exam: C01, cheatsheet: true} -->

Edge devices run models compiled by SageMaker Neo.

### Pick the streaming service
<!-- {id: q-1, cheatsheet: true} -->

A company must land sensor data in S3 with the least operations work. Which service?

- [x] Amazon Data Firehose
  Managed delivery into S3.
- [ ] Amazon EC2 consumers
  Servers to run and patch.

## 1.2 Perform data transformation, feature engineering, and pre-processing

### Standardisation
<!-- {id: z-1, cheatsheet: true} -->

Rescale to mean 0 with {{c1::\( z = \frac{x - \mu}{\sigma} \)::formula}}; it keeps {{c2::outliers}}.

***

Use it for distance-based algorithms.

### Read a Parquet file with pandas
<!-- {id: code-1, cheatsheet: true} -->

```python
import pandas as pd
df = pd.read_parquet("s3://bucket/data.parquet")
```

***

Needs `pyarrow` installed.

### 機械学習の用語: 特徴量
<!-- {id: cjk-1, cheatsheet: true} -->

特徴量 (feature) はモデルへの入力となる測定可能な属性です。
"""

D2 = """
---
title: Model development
domain: 2
---

## 2.3 Analyze and evaluate the performance of ML and AI systems

### Match the metric to its question
<!-- {id: m-1, type: matching, cheatsheet: true} -->

| Metric | Question |
|---|---|
| Precision | Of the flagged, how many are right? |
| Recall | Of the positives, how many were found? |

### Order a training run
<!-- {id: o-1, type: ordering, cheatsheet: true, tasks: [2.2]} -->

1. Upload the data to S3.
2. Start the training job.
3. Register the model.
"""

STRATEGY = """
---
title: Exam strategy
---

## Pacing

### How long per question?
<!-- {id: s-1, cheatsheet: true} -->

About **two minutes**.

### A strategy card left off the sheet
<!-- id: s-2 -->

Hidden.
"""

BOX_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#36c"/></svg>'
)


def write_course(course) -> None:
    """Write the fixture decks into a `course` fixture folder."""
    course.write("d1.md", D1)
    course.write("d2.md", D2)
    course.write("strategy.md", STRATEGY)
    course.write("media/box.svg", BOX_SVG)
