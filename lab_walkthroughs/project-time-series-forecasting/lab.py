"""End-to-end project: a demand forecast trained locally on generated data, stored in S3 and catalogued for Athena."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from srscards.labs import CheckFailed, LabContext, Step, expect
from srscards.labs.blocks import make_bucket

TITLE = "Project: time-series demand forecasting, locally trained, stored and catalogued on AWS"
RESOURCES = ["1 S3 bucket with the history and forecast CSV files", "1 Glue database with 1 table over the forecasts"]
COST = "a few KB in S3 and one Glue Data Catalog table"
DAYS, HORIZON, SEED = 730, 28, 7
START = date(2024, 1, 1)
MAPE_BAR = 0.05


def generate(ctx: LabContext) -> None:
    import numpy as np

    rng = np.random.default_rng(SEED)
    t = np.arange(DAYS)
    weekend = np.where(t % 7 >= 5, 25.0, 0.0)  # 2024-01-01 is a Monday: t % 7 of 5 and 6 are weekends
    demand = 100 + 0.05 * t + weekend + 15 * np.sin(2 * np.pi * t / 365.25) + rng.normal(0, 5, DAYS)
    ctx.state.update(t=t, demand=demand)


def check_generate(ctx: LabContext) -> str:
    demand = ctx.state["demand"]
    expect("days of history", DAYS, len(demand))
    weekend, weekday = demand[ctx.state["t"] % 7 >= 5].mean(), demand[ctx.state["t"] % 7 < 5].mean()
    if not weekend > weekday + 15:
        raise CheckFailed(f"weekly pattern: expected weekends about 25 above weekdays, found {weekend - weekday:.1f}")
    return f"{DAYS} days of demand with trend, yearly season and a weekend lift of {weekend - weekday:.1f}"


def _features(t, demand, idx):  # type: ignore[no-untyped-def]
    import numpy as np

    yearly = 2 * np.pi * t[idx] / 365.25
    # Only values at least HORIZON days old: the forecast is made once for the next 28 days.
    return np.column_stack(
        [
            np.eye(7)[t[idx] % 7],
            np.sin(yearly),
            np.cos(yearly),
            t[idx],
            demand[idx - 28],
            demand[idx - 35],
            demand[idx - 364],
        ]
    )


def forecast(ctx: LabContext) -> None:
    import numpy as np
    from sklearn.linear_model import Ridge

    t, demand = ctx.state["t"], ctx.state["demand"]
    train, test = np.arange(364, DAYS - HORIZON), np.arange(DAYS - HORIZON, DAYS)
    model = Ridge(alpha=1.0).fit(_features(t, demand, train), demand[train])
    predicted = model.predict(_features(t, demand, test))
    actual = demand[test]
    ctx.state.update(
        predicted=predicted,
        mape=float(np.mean(np.abs(predicted - actual) / actual)),
        naive_mape=float(np.mean(np.abs(demand[test - 28] - actual) / actual)),
    )


def check_forecast(ctx: LabContext) -> str:
    mape, naive = ctx.state["mape"], ctx.state["naive_mape"]
    if mape >= MAPE_BAR:
        raise CheckFailed(f"forecast MAPE: expected below {MAPE_BAR}, found {mape:.4f}")
    if mape >= naive:
        raise CheckFailed(f"forecast MAPE: expected below the seasonal naive baseline {naive:.4f}, found {mape:.4f}")
    return f"MAPE {mape:.2%} over the last {HORIZON} days, against {naive:.2%} for the seasonal naive forecast"


def _csv(rows: list[tuple[object, ...]], header: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(ctx: LabContext) -> None:
    bucket = make_bucket(ctx)
    days = [START + timedelta(days=int(i)) for i in ctx.state["t"]]
    history = [(d.isoformat(), f"{v:.2f}") for d, v in zip(days, ctx.state["demand"], strict=True)]
    ahead = [(d.isoformat(), f"{v:.2f}") for d, v in zip(days[-HORIZON:], ctx.state["predicted"], strict=True)]
    s3 = ctx.client("s3")
    s3.put_object(Bucket=bucket, Key="history/demand.csv", Body=_csv(history, ("day", "demand")))
    s3.put_object(Bucket=bucket, Key="forecasts/run=1/forecast.csv", Body=_csv(ahead, ("day", "forecast")))


def check_upload(ctx: LabContext) -> str:
    s3 = ctx.client("s3")
    body = s3.get_object(Bucket=ctx.state["bucket"], Key="forecasts/run=1/forecast.csv")["Body"].read().decode()
    rows = list(csv.reader(io.StringIO(body)))
    expect("forecast header", ["day", "forecast"], rows[0])
    expect("forecast rows", HORIZON, len(rows) - 1)
    expect("first forecast day", (START + timedelta(days=DAYS - HORIZON)).isoformat(), rows[1][0])
    return f"history ({DAYS} rows) and forecast ({HORIZON} rows) are in S3, read back intact"


def catalog(ctx: LabContext) -> None:
    glue = ctx.client("glue")
    database = ctx.name("forecasts").replace("-", "_")
    glue.create_database(DatabaseInput={"Name": database}, Tags=ctx.tag_map)
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "demand_forecast",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "PartitionKeys": [{"Name": "run", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "day", "Type": "date"}, {"Name": "forecast", "Type": "double"}],
                "Location": f"s3://{ctx.state['bucket']}/forecasts/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
        },
    )
    ctx.state["database"] = database


def check_catalog(ctx: LabContext) -> str:
    table = ctx.client("glue").get_table(DatabaseName=ctx.state["database"], Name="demand_forecast")["Table"]
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    expect("columns", [("day", "date"), ("forecast", "double")], columns)
    expect("location", f"s3://{ctx.state['bucket']}/forecasts/", table["StorageDescriptor"]["Location"])
    return "forecasts are a partitioned Glue table that Athena and Amazon Quick Sight can read"


STEPS = [
    Step(
        "Generate two years of daily demand",
        "A generated series with a known trend, yearly season and weekend lift makes the result checkable.",
        generate,
        check_generate,
    ),
    Step(
        "Train and evaluate the forecast locally",
        "A ridge regression on calendar features and lags of 28+ days, judged on the last 28 days against a baseline.",
        forecast,
        check_forecast,
    ),
    Step(
        "Store history and forecast in S3",
        "Forecast runs land under forecasts/run=N/, one partition per run.",
        upload,
        check_upload,
    ),
    Step(
        "Catalogue the forecasts",
        "A Glue table over the forecasts lets analysts query every run with Athena without copying data.",
        catalog,
        check_catalog,
    ),
]
