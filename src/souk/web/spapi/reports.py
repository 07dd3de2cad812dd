"""Reports 2021-06-30: create a report, poll it, fetch its document."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Query, Request, Response
from pydantic import Field
from sqlalchemy.orm import Session

from souk.core.errors import NotFound
from souk.core.runtime import Runtime
from souk.sellerapi import service
from souk.sellerapi.models import SellerApiReport
from souk.sellerapi.service import Caller
from souk.web.deps import db, read_db, runtime
from souk.web.spapi.common import ERRORS, Model, as_utc, iso, operation, page_of_jobs, seller_of
from souk.web.spapi.documents import signed_url

router = APIRouter(tags=["seller API: reports 2021-06-30"])


class CreateReportSpecification(Model):
    reportType: str = Field(min_length=1, max_length=100)
    marketplaceIds: list[str] = Field(min_length=1, max_length=25)
    dataStartTime: datetime | None = None
    dataEndTime: datetime | None = None
    reportOptions: dict[str, str] | None = None


class CreateReportResponse(Model):
    reportId: str


class Report(Model):
    marketplaceIds: list[str] | None = None
    reportId: str
    reportType: str
    dataStartTime: str | None = None
    dataEndTime: str | None = None
    createdTime: str
    processingStatus: str
    processingStartTime: str | None = None
    processingEndTime: str | None = None
    reportDocumentId: str | None = None


class GetReportsResponse(Model):
    reports: list[Report]
    nextToken: str | None = None


class ReportDocument(Model):
    reportDocumentId: str
    url: str
    compressionAlgorithm: str | None = None


def report_model(report: SellerApiReport) -> Report:
    return Report(
        marketplaceIds=list(report.marketplace_ids),
        reportId=str(report.id),
        reportType=report.report_type,
        dataStartTime=iso(report.data_start),
        dataEndTime=iso(report.data_end),
        createdTime=iso(report.created_at) or "",
        processingStatus=report.status,
        processingStartTime=iso(report.processing_start),
        processingEndTime=iso(report.processing_end),
        reportDocumentId=report.document_id,
    )


def _report_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise NotFound(f"No report {value}.", field="reportId")
    return int(value)


def _produce(rt: Runtime, report_id: int) -> None:
    with rt.sessions() as session:
        service.produce_report(session, rt.clock, report_id)


@router.post(
    "/reports/2021-06-30/reports",
    operation_id="createReport",
    status_code=202,
    response_model=CreateReportResponse,
    responses=ERRORS,
)
def create_report(
    request: Request,
    background: BackgroundTasks,
    body: CreateReportSpecification = Body(...),
    caller: Caller = Depends(operation("createReport")),
    session: Session = Depends(db),
) -> CreateReportResponse:
    """Queue a report; it is produced in the background (poll getReport)."""
    report = service.create_report(
        session,
        runtime(request).clock,
        seller_id=seller_of(caller),
        report_type=body.reportType,
        marketplace_ids=body.marketplaceIds,
        data_start=as_utc(body.dataStartTime),
        data_end=as_utc(body.dataEndTime),
    )
    background.add_task(_produce, runtime(request), report.id)
    return CreateReportResponse(reportId=str(report.id))


@router.get(
    "/reports/2021-06-30/reports",
    operation_id="getReports",
    response_model=GetReportsResponse,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_reports(
    request: Request,
    reportTypes: list[str] | None = Query(None),
    processingStatuses: list[str] | None = Query(None),
    marketplaceIds: list[str] | None = Query(None),
    pageSize: int | None = Query(None),
    createdSince: datetime | None = Query(None),
    createdUntil: datetime | None = Query(None),
    nextToken: str | None = Query(None),
    caller: Caller = Depends(operation("getReports")),
    session: Session = Depends(read_db),
) -> GetReportsResponse:
    seller_id = seller_of(caller)
    page, token = page_of_jobs(
        request,
        seller_id,
        types_name="reportTypes",
        types=reportTypes,
        statuses=processingStatuses,
        page_size=pageSize,
        created_since=createdSince,
        created_until=createdUntil,
        next_token=nextToken,
        load=lambda kinds, states, limit: service.seller_reports(
            session, seller_id, report_types=kinds, statuses=states, limit=limit
        ),
    )
    return GetReportsResponse(reports=[report_model(j) for j in page], nextToken=token)


@router.get(
    "/reports/2021-06-30/reports/{reportId}",
    operation_id="getReport",
    response_model=Report,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_report(
    reportId: str,
    caller: Caller = Depends(operation("getReport")),
    session: Session = Depends(read_db),
) -> Report:
    return report_model(service.own_report(session, seller_of(caller), _report_id(reportId)))


@router.delete(
    "/reports/2021-06-30/reports/{reportId}",
    operation_id="cancelReport",
    response_class=Response,
    responses=ERRORS,
)
def cancel_report(
    reportId: str,
    caller: Caller = Depends(operation("cancelReport")),
    session: Session = Depends(db),
) -> Response:
    service.cancel_report(session, seller_id=seller_of(caller), report_id=_report_id(reportId))
    return Response(status_code=200)


@router.get(
    "/reports/2021-06-30/documents/{reportDocumentId}",
    operation_id="getReportDocument",
    response_model=ReportDocument,
    response_model_exclude_none=True,
    responses=ERRORS,
)
def get_report_document(
    request: Request,
    reportDocumentId: str,
    caller: Caller = Depends(operation("getReportDocument")),
    session: Session = Depends(read_db),
) -> ReportDocument:
    """Where to download the report (an uncompressed tab-separated file)."""
    document = service.own_document(session, seller_of(caller), reportDocumentId)
    if document.kind != "report":
        raise NotFound(f"No report document {reportDocumentId}.", field="reportDocumentId")
    return ReportDocument(
        reportDocumentId=document.id, url=signed_url(request, "reports", "GET", document.id)
    )
