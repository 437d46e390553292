"""课题认领: limits held by the database, one active claim per school, and the status path."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from cms.topics.claims import ClaimRefused, claim_topic, move_claim
from cms.topics.models import ResearchTopic, School, TopicClaim

TODAY = datetime.date(2026, 3, 1)


def new_topic(code="T99", max_claims=2, **extra):
    return ResearchTopic.objects.create(code=code, title=f"测试课题 {code}", max_claims=max_claims, **extra)


def new_schools(n):
    return [School.objects.create(code=f"X{i:03d}", name=f"测试学校{i}") for i in range(n)]


@pytest.mark.django_db
def test_claims_stop_at_the_topic_limit_with_a_chinese_message():
    topic = new_topic(max_claims=2)
    a, b, c = new_schools(3)
    claim_topic(a, topic, on=TODAY)
    claim_topic(b, topic, on=TODAY)
    with pytest.raises(ClaimRefused, match="最多可由 2 所学校认领,名额已满"):
        claim_topic(c, topic, on=TODAY)
    assert topic.active_claims().count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_claim_over_the_limit_even_without_the_app_checks():
    topic = new_topic(max_claims=1)
    a, b = new_schools(2)
    TopicClaim.objects.create(topic=topic, school=a, claimed_on=TODAY)
    with pytest.raises(IntegrityError, match="topic_claim_limit"), transaction.atomic():
        TopicClaim.objects.create(topic=topic, school=b, claimed_on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicClaim.objects.bulk_create([TopicClaim(topic=topic, school=b, claimed_on=TODAY)])
    assert topic.claims.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_lowering_the_limit_below_the_claims_held():
    topic = new_topic(max_claims=2)
    for school in new_schools(2):
        claim_topic(school, topic, on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchTopic.objects.filter(pk=topic.pk).update(max_claims=1)
    topic.max_claims = 1
    with pytest.raises(ValidationError, match="最多认领学校数不能小于"):
        topic.full_clean()


@pytest.mark.django_db
def test_a_withdrawn_claim_frees_its_place():
    topic = new_topic(max_claims=1)
    a, b = new_schools(2)
    first = claim_topic(a, topic, on=TODAY)
    move_claim(first, TopicClaim.Status.WITHDRAWN, on=TODAY)
    assert claim_topic(b, topic, on=TODAY).status == TopicClaim.Status.CLAIMED


@pytest.mark.django_db
def test_one_active_claim_per_school_and_topic():
    topic = new_topic(max_claims=3)
    (school,) = new_schools(1)
    first = claim_topic(school, topic, on=TODAY)
    with pytest.raises(ClaimRefused, match="已经认领了这个课题"):
        claim_topic(school, topic, on=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicClaim.objects.create(topic=topic, school=school, claimed_on=TODAY)
    move_claim(first, TopicClaim.Status.WITHDRAWN, on=TODAY)
    assert claim_topic(school, topic, on=TODAY).is_active


@pytest.mark.django_db
def test_a_closed_topic_takes_no_new_claims():
    topic = new_topic(max_claims=3, is_open=False)
    (school,) = new_schools(1)
    with pytest.raises(ClaimRefused, match="已停止认领"):
        claim_topic(school, topic, on=TODAY)


@pytest.mark.django_db
def test_status_moves_in_order_and_records_dates():
    topic = new_topic()
    (school,) = new_schools(1)
    claim = claim_topic(school, topic, on=TODAY)
    with pytest.raises(ClaimRefused, match="不能从「已认领」改为「已结题」"):
        move_claim(claim, TopicClaim.Status.CONCLUDED, on=TODAY)
    claim = move_claim(claim, TopicClaim.Status.RESEARCHING, on=datetime.date(2026, 4, 1))
    claim = move_claim(claim, TopicClaim.Status.CONCLUDED, on=datetime.date(2026, 12, 1))
    assert (claim.started_on, claim.concluded_on) == (datetime.date(2026, 4, 1), datetime.date(2026, 12, 1))
    with pytest.raises(ClaimRefused, match="不能从「已结题」改为「研究中」"):
        move_claim(claim, TopicClaim.Status.RESEARCHING)


@pytest.mark.django_db
def test_dates_out_of_order_are_refused_by_the_database():
    topic = new_topic()
    (school,) = new_schools(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TopicClaim.objects.create(topic=topic, school=school, claimed_on=TODAY,
                                  started_on=TODAY - datetime.timedelta(days=1))


def race(workers, action):
    """Run ``action(i)`` in ``workers`` threads released at the same instant, each on its own
    database connection; return what each returned or raised."""
    barrier = threading.Barrier(workers)
    results = [None] * workers

    def run(i):
        try:
            barrier.wait()
            results[i] = action(i)
        except Exception as error:  # noqa: BLE001 - the outcome is what we compare
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("workers, places", [(2, 1), (8, 3)])
def test_concurrent_claims_never_exceed_the_places(workers, places):
    topic = new_topic(max_claims=places)
    schools = new_schools(workers)
    results = race(workers, lambda i: claim_topic(schools[i], topic, on=TODAY))
    granted = [r for r in results if isinstance(r, TopicClaim)]
    refused = [r for r in results if isinstance(r, ClaimRefused)]
    assert len(granted) == places
    assert len(refused) == workers - places, results
    assert all("名额已满" in str(r) for r in refused)
    assert topic.active_claims().count() == places


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_raw_inserts_are_held_by_the_database_alone():
    topic = new_topic(max_claims=2)
    schools = new_schools(6)
    results = race(6, lambda i: TopicClaim.objects.create(topic=topic, school=schools[i], claimed_on=TODAY))
    assert sum(isinstance(r, TopicClaim) for r in results) == 2
    assert sum(isinstance(r, IntegrityError) for r in results) == 4
    assert topic.claims.count() == 2
