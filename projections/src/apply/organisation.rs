//! The fold of units, posts and their holders, persons, designations, usage officers and users.

use govledger_schema::events::{
    HolderAppointed, HolderEnded, PersonRegistered, PersonTransferred, PostEstablished,
    StaffDesignated, StaffDesignationRevoked, UnitEstablished, UsageOfficerAppointed,
    UsageOfficerEnded, UserDeregistered, UserRegistered,
};

use super::Fold;
use crate::model::*;
use crate::{Span, State};

impl State {
    pub(super) fn unit_established(
        &mut self,
        cx: &Fold<'_>,
        p: UnitEstablished,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.units.entry(p.unit_id.clone()).or_insert(Unit {
            id: p.unit_id,
            name: p.name,
            parent_id: p.parent_id,
            bureau: p.bureau,
            user_division: p.user_division,
            established: stamp,
        });
        Ok(())
    }

    pub(super) fn post_established(
        &mut self,
        cx: &Fold<'_>,
        p: PostEstablished,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.posts.entry(p.post_id.clone()).or_insert(Post {
            id: p.post_id,
            title: p.title,
            unit_id: p.unit_id,
            heads_unit: p.heads_unit,
            established: stamp,
            holders: Vec::new(),
        });
        Ok(())
    }

    pub(super) fn person_registered(
        &mut self,
        cx: &Fold<'_>,
        p: PersonRegistered,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.persons.entry(p.person_id.clone()).or_insert(Person {
            id: p.person_id,
            name: p.name,
            registered: stamp,
            units: vec![Membership {
                unit_id: p.unit_id,
                personnel_order: p.personnel_order,
                start: stamp,
            }],
            designations: Vec::new(),
        });
        Ok(())
    }

    pub(super) fn person_transferred(
        &mut self,
        cx: &Fold<'_>,
        p: PersonTransferred,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let person = self.persons.get_mut(&p.person_id).ok_or("unknown person")?;
        person.units.push(Membership {
            unit_id: p.to_unit_id,
            personnel_order: Some(p.personnel_order),
            start: stamp,
        });
        Ok(())
    }

    pub(super) fn holder_appointed(
        &mut self,
        cx: &Fold<'_>,
        p: HolderAppointed,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let post = self.posts.get_mut(&p.post_id).ok_or("unknown post")?;
        post.holders.push(Holding {
            person_id: p.person_id,
            personnel_order: p.personnel_order,
            span: Span::new(stamp),
        });
        Ok(())
    }

    pub(super) fn holder_ended(&mut self, cx: &Fold<'_>, p: HolderEnded) -> Result<(), String> {
        let stamp = cx.stamp;
        let post = self.posts.get_mut(&p.post_id).ok_or("unknown post")?;
        let h = post
            .holders
            .iter_mut()
            .rev()
            .find(|h| h.person_id == p.person_id)
            .ok_or("no such appointment")?;
        h.span.ends.push(stamp);
        Ok(())
    }

    pub(super) fn staff_designated(
        &mut self,
        cx: &Fold<'_>,
        p: StaffDesignated,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let person = self.persons.get_mut(&p.person_id).ok_or("unknown person")?;
        person.designations.push(Designation {
            role: p.role,
            designated_by_post_id: p.designated_by_post_id,
            span: Span::new(stamp),
        });
        Ok(())
    }

    pub(super) fn staff_designation_revoked(
        &mut self,
        cx: &Fold<'_>,
        p: StaffDesignationRevoked,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let person = self.persons.get_mut(&p.person_id).ok_or("unknown person")?;
        let d = person
            .designations
            .iter_mut()
            .rev()
            .find(|d| d.role == p.role)
            .ok_or("no such designation")?;
        d.span.ends.push(stamp);
        Ok(())
    }

    pub(super) fn usage_officer_appointed(
        &mut self,
        cx: &Fold<'_>,
        p: UsageOfficerAppointed,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.usage_officers
            .entry(p.unit_id.clone())
            .or_default()
            .push(UsageOfficerTerm {
                unit_id: p.unit_id,
                person_id: p.person_id,
                reason_not_head: p.reason_not_head,
                span: Span::new(stamp),
            });
        Ok(())
    }

    pub(super) fn usage_officer_ended(
        &mut self,
        cx: &Fold<'_>,
        p: UsageOfficerEnded,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let t = self
            .usage_officers
            .get_mut(&p.unit_id)
            .and_then(|ts| ts.iter_mut().rev().find(|t| t.person_id == p.person_id))
            .ok_or("no such usage officer")?;
        t.span.ends.push(stamp);
        Ok(())
    }

    pub(super) fn user_registered(
        &mut self,
        cx: &Fold<'_>,
        p: UserRegistered,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        self.users
            .entry(p.person_id.clone())
            .or_default()
            .push(UserRegistration {
                person_id: p.person_id,
                unit_id: p.unit_id,
                span: Span::new(stamp),
            });
        Ok(())
    }

    pub(super) fn user_deregistered(
        &mut self,
        cx: &Fold<'_>,
        p: UserDeregistered,
    ) -> Result<(), String> {
        let stamp = cx.stamp;
        let r = self
            .users
            .get_mut(&p.person_id)
            .and_then(|rs| rs.iter_mut().rev().find(|r| r.unit_id == p.unit_id))
            .ok_or("no such user registration")?;
        r.span.ends.push(stamp);
        Ok(())
    }
}
