"""A Glue Data Catalog database and tables over S3 data, queried with Athena."""

from __future__ import annotations

from srscards.labs import LabContext, Step, expect, expect_in
from srscards.labs.blocks import check_bucket, make_bucket, put_object

TITLE = "Glue Data Catalog tables over S3, queried with Athena"
RESOURCES = [
    "1 S3 bucket with a small CSV file and Athena results",
    "1 Glue database with 1 table",
    "1 Athena workgroup",
]
COST = "a few Athena queries over a three-row CSV file, a Glue table and a few KB in S3"
CSV = b"customer_id,plan,monthly_charges,churned\n1,basic,20.5,0\n2,premium,80.0,1\n3,basic,25.0,0\n"
COLUMNS = [
    {"Name": "customer_id", "Type": "int"},
    {"Name": "plan", "Type": "string"},
    {"Name": "monthly_charges", "Type": "double"},
    {"Name": "churned", "Type": "int"},
]


def data(ctx: LabContext) -> None:
    make_bucket(ctx)
    put_object(ctx, "raw/customers/dt=2026-01-01/customers.csv", CSV)


def database(ctx: LabContext) -> None:
    ctx.state["database"] = ctx.name("lake").replace("-", "_")
    ctx.client("glue").create_database(
        DatabaseInput={"Name": ctx.state["database"], "Description": "srscards lab"}, Tags=ctx.tag_map
    )


def check_database(ctx: LabContext) -> str:
    names = [d["Name"] for d in ctx.client("glue").get_databases()["DatabaseList"]]
    expect_in("Glue databases", ctx.state["database"], names)
    return f"database {ctx.state['database']} is in the catalog"


def table(ctx: LabContext) -> None:
    bucket = ctx.state["bucket"]
    ctx.client("glue").create_table(
        DatabaseName=ctx.state["database"],
        TableInput={
            "Name": "customers",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "PartitionKeys": [{"Name": "dt", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": COLUMNS,
                "Location": f"s3://{bucket}/raw/customers/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
        },
    )
    ctx.client("glue").create_partition(
        DatabaseName=ctx.state["database"],
        TableName="customers",
        PartitionInput={
            "Values": ["2026-01-01"],
            "StorageDescriptor": {
                "Columns": COLUMNS,
                "Location": f"s3://{bucket}/raw/customers/dt=2026-01-01/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
        },
    )


def check_table(ctx: LabContext) -> str:
    glue = ctx.client("glue")
    found = glue.get_table(DatabaseName=ctx.state["database"], Name="customers")["Table"]
    expect("table location", f"s3://{ctx.state['bucket']}/raw/customers/", found["StorageDescriptor"]["Location"])
    expect("columns", [c["Name"] for c in COLUMNS], [c["Name"] for c in found["StorageDescriptor"]["Columns"]])
    expect("partition keys", ["dt"], [k["Name"] for k in found["PartitionKeys"]])
    partitions = glue.get_partitions(DatabaseName=ctx.state["database"], TableName="customers")["Partitions"]
    expect("partitions", [["2026-01-01"]], [p["Values"] for p in partitions])
    return "table customers points at raw/customers/ with 4 columns and partition dt=2026-01-01"


def workgroup(ctx: LabContext) -> None:
    ctx.state["workgroup"] = ctx.name("wg")
    ctx.client("athena").create_work_group(
        Name=ctx.state["workgroup"],
        Configuration={
            "ResultConfiguration": {
                "OutputLocation": f"s3://{ctx.state['bucket']}/athena-results/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
            },
            "EnforceWorkGroupConfiguration": True,
            "BytesScannedCutoffPerQuery": 100 * 1024 * 1024,
        },
        Tags=ctx.tags,
    )


def check_workgroup(ctx: LabContext) -> str:
    config = ctx.client("athena").get_work_group(WorkGroup=ctx.state["workgroup"])["WorkGroup"]["Configuration"]
    expect("bytes scanned cut-off", 100 * 1024 * 1024, config.get("BytesScannedCutoffPerQuery"))
    expect(
        "results location",
        f"s3://{ctx.state['bucket']}/athena-results/",
        config["ResultConfiguration"]["OutputLocation"],
    )
    return "the workgroup writes encrypted results to the bucket and stops any query over 100 MB"


def query(ctx: LabContext) -> None:
    athena = ctx.client("athena")
    sql = "SELECT plan, count(*) AS customers FROM customers WHERE dt = '2026-01-01' GROUP BY plan ORDER BY plan"
    execution = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": ctx.state["database"]}, WorkGroup=ctx.state["workgroup"]
    )["QueryExecutionId"]
    waiter_delay = 1 if ctx.target == "aws" else 0
    import time

    for _ in range(120):
        state = athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"]["Status"]["State"]
        if state not in ("QUEUED", "RUNNING"):
            break
        time.sleep(waiter_delay)
    ctx.state["query_state"] = state
    ctx.state["rows"] = athena.get_query_results(QueryExecutionId=execution)["ResultSet"]["Rows"]


def check_query(ctx: LabContext) -> str:
    expect("query state", "SUCCEEDED", ctx.state["query_state"])
    rows = [[c.get("VarCharValue") for c in row["Data"]] for row in ctx.state["rows"]]
    if ctx.target != "aws":
        return f"the query SUCCEEDED; the emulator returns {len(rows)} rows (it does not read S3; see the README)"
    expect("query result", [["plan", "customers"], ["basic", "2"], ["premium", "1"]], rows)
    return "Athena read the CSV through the catalog: basic 2, premium 1"


STEPS = [
    Step("Put raw CSV data in S3", "Athena queries files where they lie; the data stays in S3.", data, check_bucket),
    Step(
        "Create a Glue database",
        "The Data Catalog is the metastore Athena, Glue jobs, EMR and Redshift Spectrum share.",
        database,
        check_database,
    ),
    Step(
        "Define the table and its partition",
        "The table maps columns onto the files; partitioning by dt lets a query read one day instead of everything.",
        table,
        check_table,
    ),
    Step(
        "Create an Athena workgroup",
        "A workgroup fixes where results go, encrypts them, and caps the data one query may scan (cost control).",
        workgroup,
        check_workgroup,
    ),
    Step("Query with Athena", "Standard SQL over the catalog table, paid per byte scanned.", query, check_query),
]
